"""Input validation against a version's schema, and turning file inputs into local paths."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from pydantic import BaseModel, ValidationError

from . import fetch

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
INLINE_DATA_URI_MAX = 64 * 1024


class TooLarge(Exception):
    """A file input over the size limit (a 413 at the door)."""


def _too_large(name: str, limit: int) -> TooLarge:
    return TooLarge(f"{name} is larger than {limit / 2**20:g} MiB: too large for this engine")


def refuse_oversized(schema: dict[str, Any], values: Any, limit: int = fetch.MAX_BYTES) -> None:
    """Raise TooLarge for a data-URI file input that cannot fit `limit` bytes once decoded: a
    cheap length check, before anything else looks at a 140 MB string."""
    if not isinstance(values, dict):
        return
    for name, is_list in file_fields(schema).items():
        value = values.get(name)
        items = value if is_list and isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, str) and len(item) * 3 // 4 > limit + 1024:
                raise _too_large(name, limit)


def data_uri_chars(schema: dict[str, Any], values: dict[str, Any]) -> int:
    """How many characters of data URIs the file inputs hold (0: nothing to decode)."""
    total = 0
    for name, is_list in file_fields(schema).items():
        value = values.get(name)
        for item in (value if is_list and isinstance(value, list) else [value]):
            if isinstance(item, str) and item.startswith("data:"):
                total += len(item)
    return total


def keep_data_uris(schema: dict[str, Any], values: dict[str, Any],
                   keep: Callable[[bytes, str], str], limit: int = fetch.MAX_BYTES
                   ) -> dict[str, Any]:
    """Decode every data-URI file input now, at the door: a malformed one is InvalidInput, one
    over `limit` bytes is TooLarge, and one longer than INLINE_DATA_URI_MAX is replaced by
    `keep(data, file name)`, a short reference to the stored file."""
    out = dict(values)
    for name, is_list in file_fields(schema).items():
        if name not in values:
            continue
        items = values[name] if is_list else [values[name]]
        kept = []
        for i, item in enumerate(items):
            if isinstance(item, str) and item.startswith("data:"):
                label = f"{name}.{i}" if is_list else name
                try:
                    data, ctype = decode_data_uri(item)
                except fetch.FetchError as exc:
                    raise InvalidInput([_field("format", f"input.{label}",
                                               f"{label}: {exc}")]) from None
                if len(data) > limit:
                    raise _too_large(label, limit)
                if len(item) > INLINE_DATA_URI_MAX:
                    ext = mimetypes.guess_extension(ctype.split(";")[0].strip()) or ""
                    item = keep(data, f"input-{name}{f'-{i}' if is_list else ''}{ext}")
            kept.append(item)
        out[name] = kept if is_list else kept[0]
    return out


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
