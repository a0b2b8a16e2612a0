"""Input validation against a version's schema, and turning file inputs into local paths."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote_to_bytes, urlsplit

from pydantic import BaseModel, ValidationError

from . import fetch
from .spool import LITERAL_MIN, Malformed, SpooledBody

_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    # JSON Schema counts 4.0 as an integer (sliders and JS send those)
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool))
    or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
_TYPE_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array",
               dict: "object", type(None): "null"}
_FILE_SCHEMES = ("data:", "http://", "https://")


def _field(kind: str, field: str, description: str) -> dict[str, str]:
    return {"type": kind, "field": field, "description": description}


def _check_value(name: str, value: Any, prop: dict[str, Any]) -> list[dict[str, str]]:
    field = f"input.{name}"
    kind = prop.get("type")
    if kind in _JSON_TYPES and not _JSON_TYPES[kind](value):
        given = _TYPE_NAMES.get(type(value), type(value).__name__)
        return [_field("invalid_type", field,
                       f"{name}: Invalid type. Expected: {kind}, given: {given}")]
    errors: list[dict[str, str]] = []
    if "enum" in prop and value not in prop["enum"]:
        allowed = ", ".join(repr(v) for v in prop["enum"])
        errors.append(_field("enum", field, f"{name} must be one of the following: {allowed}"))
    if kind in ("integer", "number"):
        if "minimum" in prop and value < prop["minimum"]:
            errors.append(_field("number_gte", field,
                                 f"{name} must be greater than or equal to {prop['minimum']}"))
        if "maximum" in prop and value > prop["maximum"]:
            errors.append(_field("number_lte", field,
                                 f"{name} must be less than or equal to {prop['maximum']}"))
        if "exclusiveMinimum" in prop and value <= prop["exclusiveMinimum"]:
            errors.append(_field("number_gt", field,
                                 f"{name} must be greater than {prop['exclusiveMinimum']}"))
        if "exclusiveMaximum" in prop and value >= prop["exclusiveMaximum"]:
            errors.append(_field("number_lt", field,
                                 f"{name} must be less than {prop['exclusiveMaximum']}"))
    if kind == "string":
        if "minLength" in prop and len(value) < prop["minLength"]:
            errors.append(_field("string_gte", field,
                                 f"{name} must be at least {prop['minLength']} characters"))
        if "maxLength" in prop and len(value) > prop["maxLength"]:
            errors.append(_field("string_lte", field,
                                 f"{name} must be at most {prop['maxLength']} characters"))
        if prop.get("format") == "uri" and not value.startswith(_FILE_SCHEMES):
            errors.append(_field("format", field,
                                 f"{name}: Does not match format 'uri' (a data: or http(s) URL)"))
    if kind == "array" and isinstance(prop.get("items"), dict):
        for i, item in enumerate(value):
            errors += _check_value(f"{name}.{i}", item, prop["items"])
    return errors


def validate(schema: dict[str, Any], model_input: type[BaseModel], raw: Any) -> dict[str, Any]:
    """Check `raw` against the Input schema (Replicate-style invalid_fields) and the pydantic
    model; return the input with defaults left to the model. Raises InvalidInput."""
    if not isinstance(raw, dict):
        raise InvalidInput([_field("invalid_type", "input", "input must be an object")])
    props: dict[str, Any] = schema.get("properties", {})
    errors = [_field("required", "input", f"{name} is required")
              for name in schema.get("required", []) if raw.get(name) is None]
    for name, value in raw.items():
        if name not in props:
            errors.append(_field("additional_property_not_allowed", "input",
                                 f"Additional property {name} is not allowed"))
        elif value is not None:
            errors += _check_value(name, value, props[name])
    if errors:
        raise InvalidInput(errors)
    cleaned = {k: v for k, v in raw.items() if v is not None}
    for name, value in cleaned.items():
        if props[name].get("type") == "integer" and isinstance(value, float):
            cleaned[name] = int(value)
    try:
        model_input.model_validate(cleaned)
    except ValidationError as exc:
        raise InvalidInput([
            _field(e["type"], "input." + ".".join(str(p) for p in e["loc"]),
                   f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}")
            for e in exc.errors()
        ]) from exc
    return cleaned


class InvalidInput(Exception):
    def __init__(self, fields: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f["description"] for f in fields))
        self.fields = fields


def file_fields(schema: dict[str, Any]) -> dict[str, bool]:
    """Names of file inputs -> whether the field is a list of files."""
    out: dict[str, bool] = {}
    for name, prop in schema.get("properties", {}).items():
        if prop.get("format") == "uri":
            out[name] = False
        elif prop.get("type") == "array" and prop.get("items", {}).get("format") == "uri":
            out[name] = True
    return out


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str, fallback: str = "file") -> str:
    cleaned = _SAFE_NAME.sub("_", Path(name).name).lstrip(".")
    return cleaned[:100] or fallback


def decode_data_uri(uri: str) -> tuple[bytes, str]:
    """`data:[<type>][;base64],<data>` -> (bytes, content type)."""
    header, sep, payload = uri[5:].partition(",")
    if not sep:
        raise fetch.FetchError("malformed data URI: no comma")
    params = header.split(";")
    ctype = params[0] or "text/plain"
    if "base64" in params[1:]:
        try:
            return base64.b64decode(payload + "=" * (-len(payload) % 4), validate=False), ctype
        except (binascii.Error, ValueError) as exc:
            raise fetch.FetchError(f"malformed base64 in data URI: {exc}") from None
    return unquote_to_bytes(payload), ctype


# Resolves an engine-owned URL to (local file, file name), or None when it is not ours.
LocalLookup = Callable[[str], tuple[Path, str] | None]


# Longer data URIs are kept as files and referenced from the prediction, as Replicate does:
# a prediction (its row, every GET, every webhook) never carries megabytes of base64.
INLINE_DATA_URI_MAX = LITERAL_MIN  # the same bound: a body's set-aside one is always kept


class TooLarge(Exception):
    """A file input over the size limit (a 413 at the door)."""


def _too_large(name: str, limit: int) -> TooLarge:
    return TooLarge(f"{name} is larger than {limit / 2**20:g} MiB: too large for this engine")


def _chars(item: Any, spool: SpooledBody | None) -> int:
    """How long a data-URI value is as sent (a set-aside one by its placeholder)."""
    lit = spool.get(item) if spool is not None else None
    if lit is not None:
        return lit.size
    return len(item) if isinstance(item, str) and item.startswith("data:") else 0


def _items(schema: dict[str, Any], values: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for name, is_list in file_fields(schema).items():
        value = values.get(name)
        for item in (value if is_list and isinstance(value, list) else [value]):
            yield name, item


def refuse_oversized(schema: dict[str, Any], values: Any, limit: int = fetch.MAX_BYTES,
                     spool: SpooledBody | None = None) -> None:
    """Raise TooLarge for a data-URI file input that cannot fit `limit` bytes once decoded: a
    cheap length check, before anything else looks at a 140 MB string."""
    if not isinstance(values, dict):
        return
    for name, item in _items(schema, values):
        lit = spool.get(item) if spool is not None else None
        chars = lit.size if lit else len(item) if isinstance(item, str) else 0
        if chars * 3 // 4 > limit + 1024:
            raise _too_large(name, limit)


def data_uri_chars(schema: dict[str, Any], values: dict[str, Any],
                   spool: SpooledBody | None = None) -> int:
    """How many characters of data URIs the file inputs hold (0: nothing to decode)."""
    return sum(_chars(item, spool) for _, item in _items(schema, values))


# (file name, a writer that writes it and says how many bytes, at most how many) -> marker
Keep = Callable[[str, Callable[[BinaryIO], int], int], str]


def keep_data_uris(schema: dict[str, Any], values: dict[str, Any], keep: Keep,
                   limit: int = fetch.MAX_BYTES, spool: SpooledBody | None = None
                   ) -> dict[str, Any]:
    """Decode every data-URI file input now, at the door: a malformed one is InvalidInput, one
    over `limit` bytes is TooLarge, and one longer than INLINE_DATA_URI_MAX is replaced by
    `keep(...)`, a short reference to the stored file. One that `spool` set aside is decoded
    from there straight into the kept file."""
    out = dict(values)
    for name, is_list in file_fields(schema).items():
        if name not in values:
            continue
        items = values[name] if is_list else [values[name]]
        kept = []
        for i, item in enumerate(items):
            label = f"{name}.{i}" if is_list else name
            stem = f"{name}{f'-{i}' if is_list else ''}"
            lit = spool.get(item) if spool is not None else None
            if lit is not None:
                assert spool is not None
                item = keep(stem + _extension(lit.mime),
                            _spooled_writer(spool, item, label, limit), lit.size * 3 // 4 + 3)
            elif isinstance(item, str) and item.startswith("data:"):
                try:
                    data, ctype = decode_data_uri(item)
                except fetch.FetchError as exc:
                    raise _malformed(label, exc) from None
                if len(data) > limit:
                    raise _too_large(label, limit)
                if len(item) > INLINE_DATA_URI_MAX:
                    item = keep(stem + _extension(ctype), lambda f, d=data: f.write(d),
                                len(data))
            kept.append(item)
        out[name] = kept if is_list else kept[0]
    return out


def _extension(ctype: str) -> str:
    return mimetypes.guess_extension(ctype.split(";")[0].strip()) or ""


def _malformed(label: str, exc: Exception) -> InvalidInput:
    return InvalidInput([_field("format", f"input.{label}", f"{label}: {exc}")])


def _spooled_writer(spool: SpooledBody, key: str, label: str, limit: int
                    ) -> Callable[[BinaryIO], int]:
    def write(out: BinaryIO) -> int:
        try:
            return spool.decode_to(key, out, limit)
        except Malformed as exc:
            raise _malformed(label, exc) from None
        except OverflowError:
            raise _too_large(label, limit) from None

    return write


def resolve_file(value: str, workdir: Path, index: int, lookup: LocalLookup,
                 allow_private: bool) -> Path:
    if value.startswith("data:"):
        data, ctype = decode_data_uri(value)
        if len(data) > fetch.MAX_BYTES:
            raise fetch.FetchError("data URI is larger than 100 MiB")
        ext = mimetypes.guess_extension(ctype) or ""
        dest = workdir / f"input{index}{ext}"
        dest.write_bytes(data)
        return dest
    local = lookup(value)
    if local is not None:
        src, name = local
        dest = workdir / f"{index}_{safe_name(name)}"
        shutil.copyfile(src, dest)
        return dest
    name = safe_name(unquote_to_bytes(urlsplit(value).path).decode("utf-8", "replace"))
    return fetch.download(value, workdir / f"{index}_{name}", allow_private=allow_private)


def resolve_files(schema: dict[str, Any], values: dict[str, Any], workdir: Path,
                  lookup: LocalLookup, allow_private: bool) -> dict[str, Any]:
    """Replace every file input (URL or data URI) with a local Path in `workdir`."""
    out = dict(values)
    counter = 0
    for name, is_list in file_fields(schema).items():
        if name not in values:
            continue
        items = values[name] if is_list else [values[name]]
        paths = []
        for item in items:
            paths.append(resolve_file(item, workdir, counter, lookup, allow_private))
            counter += 1
        out[name] = paths if is_list else paths[0]
    return out
