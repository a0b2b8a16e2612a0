"""A version's `openapi_schema` -> the fields of its input form, in `x-order`.

Cog writes each input of `predict()` as a property of `components.schemas.Input`, with
`x-order` for the argument order, enums as `allOf: [{$ref: "#/components/schemas/<name>"}]`,
files as `format: uri` and secrets as `x-cog-secret`. Each property becomes one `Field`; a
property this module does not understand becomes a `json` field with a `note`, so one odd input
never costs the rest of the form.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FieldKind = Literal["choice", "slider", "integer", "number", "checkbox", "text", "textarea",
                    "password", "file", "files", "json"]
FileKind = Literal["image", "audio", "video", "any"]
ValueType = Literal["string", "integer", "number", "boolean", "any"]

MAX_FIELDS = 300  # a schema with more inputs than this is not a form anyone can fill in
MAX_SLIDER_STEPS = 100_000  # a wider range is a number box (a slider cannot land on a value)
_MAX_REF_DEPTH = 8

_LONG_TEXT_NAMES = re.compile(r"(^|_)(prompt|template|text|caption|script|lyrics)s?($|_)")
_FILE_WORDS: tuple[tuple[FileKind, frozenset[str]], ...] = (
    ("image", frozenset({"image", "img", "photo", "picture", "pic", "mask", "png", "jpg", "jpeg",
                         "webp", "portrait", "face", "sketch", "canvas", "drawing", "selfie"})),
    ("audio", frozenset({"audio", "speech", "voice", "sound", "song", "music", "wav", "mp3",
                         "flac", "ogg", "recording", "podcast", "vocal", "speaker"})),
    ("video", frozenset({"video", "movie", "clip", "footage", "mp4", "webm", "mov", "gif"})),
)
_CAMEL = re.compile(r"([a-z])([A-Z])")
_EXTENSIONS: dict[str, FileKind] = {
    **dict.fromkeys(("png", "jpg", "jpeg", "webp", "gif", "bmp", "tif", "tiff"), "image"),
    **dict.fromkeys(("wav", "mp3", "flac", "ogg", "m4a", "aac", "opus"), "audio"),
    **dict.fromkeys(("mp4", "webm", "mov", "mkv", "avi"), "video"),
}


class SchemaProblem(ValueError):
    """The version has no usable input schema; the message says so in plain words."""


@dataclass(frozen=True)
class Field:
    """One input of a model, as a form shows it."""

    name: str
    kind: FieldKind
    label: str
    value_type: ValueType = "any"
    description: str = ""
    required: bool = False
    default: Any = None  # None: no default
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    exclusive_maximum: bool = False
    step: float | None = None  # sliders only
    file_kind: FileKind | None = None  # file and files only
    note: str = ""  # why a json field is one, or other caveats worth showing
    schema: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def has_default(self) -> bool:
        return self.default is not None

    @property
    def is_file(self) -> bool:
        return self.kind in ("file", "files")

    @property
    def secret(self) -> bool:
        return self.kind == "password"

    def range_text(self) -> str:
        """"between 0 and 10", "at least 1", "more than 0 and at most 8", or ""."""
        low = None if self.minimum is None else (
            f"{'more than' if self.exclusive_minimum else 'at least'} {_num(self.minimum)}")
        high = None if self.maximum is None else (
            f"{'less than' if self.exclusive_maximum else 'at most'} {_num(self.maximum)}")
        if low and high and not (self.exclusive_minimum or self.exclusive_maximum):
            return f"between {_num(self.minimum)} and {_num(self.maximum)}"  # type: ignore[arg-type]
        return " and ".join(part for part in (low, high) if part)


@dataclass(frozen=True)
class InputForm:
    """The fields of one version's input, in the order the model's author gave them."""

    fields: tuple[Field, ...]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __getitem__(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.fields)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def defaults(self) -> dict[str, Any]:
        return {f.name: f.default for f in self.fields if f.has_default and not f.is_file}


def input_schema_of(openapi_schema: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(`components.schemas.Input`, `components.schemas`) or a SchemaProblem."""
    if not isinstance(openapi_schema, Mapping) or not openapi_schema:
        raise SchemaProblem("This version publishes no schema, so there is no form for it.")
    components = openapi_schema.get("components")
    schemas = components.get("schemas") if isinstance(components, Mapping) else None
    if not isinstance(schemas, Mapping):
        raise SchemaProblem("This version's schema has no components.schemas, so its inputs "
                            "are unknown.")
    inputs = schemas.get("Input")
    if not isinstance(inputs, Mapping):
        raise SchemaProblem("This version's schema has no Input, so its inputs are unknown.")
    props = inputs.get("properties", {})
    if not isinstance(props, Mapping):
        raise SchemaProblem("This version's Input schema is malformed (its properties are not "
                            "an object).")
    if len(props) > MAX_FIELDS:
        raise SchemaProblem(f"This version has {len(props)} inputs; the form shows at most "
                            f"{MAX_FIELDS}.")
    return dict(inputs), dict(schemas)


def form_from_schema(openapi_schema: Any) -> InputForm:
    """The form of a version from its `openapi_schema` (the dict the API returns)."""
    inputs, schemas = input_schema_of(openapi_schema)
    required = inputs.get("required")
    required_names = {r for r in required if isinstance(r, str)} if isinstance(
        required, list) else set()
    props = inputs.get("properties", {})
    ordered = sorted(enumerate(props.items()), key=lambda item: (_order(item[1][1]), item[0]))
    return InputForm(tuple(field_from_property(str(name), prop, schemas,
                                               required=name in required_names)
                           for _, (name, prop) in ordered))


def field_from_property(name: str, prop: Any, schemas: Mapping[str, Any] | None = None, *,
                        required: bool = False) -> Field:
    label = _label(name, prop)
    if not isinstance(prop, Mapping):
        return _json(name, label, {}, required, "Its schema is not an object.")
    try:
        merged = resolve(prop, schemas or {})
    except SchemaProblem as exc:
        return _json(name, label, prop, required, str(exc))
    label = _label(name, merged, prop)
    description = _text(merged.get("description"))
    if description == "An enumeration.":  # what pydantic v1 wrote on every enum
        description = ""
    default = merged.get("default")
    base = {"name": name, "label": label, "description": description, "required": required,
            "schema": merged}
    kind_type = merged.get("type")

    enum = merged.get("enum")
    if isinstance(enum, list) and enum:
        values = tuple(v for v in enum if isinstance(v, str | int | float | bool) and _finite(v))
        if len(values) != len(enum):
            return _json(name, label, merged, required, "Its choices are not plain values.")
        value_type = _type_of_values(values, kind_type)
        return Field(kind="choice", value_type=value_type, choices=values,
                     default=default if default in values else None, **base)

    if is_secret_property(merged):
        return Field(kind="password", value_type="string", **base)  # defaults are never shown

    if kind_type == "boolean":
        return Field(kind="checkbox", value_type="boolean",
                     default=default if isinstance(default, bool) else None, **base)

    if kind_type in ("integer", "number"):
        return _numeric(kind_type, merged, base)

    if kind_type == "string":
        if merged.get("format") == "uri":
            return Field(kind="file", value_type="string",
                         file_kind=file_kind_of(name, description, default),
                         default=default if isinstance(default, str) and default else None,
                         **base)
        text = default if isinstance(default, str) else None
        long = (merged.get("format") == "textarea" or merged.get("x-cog-textarea")
                or bool(_LONG_TEXT_NAMES.search(name.lower()))
                or (text is not None and ("\n" in text or len(text) > 120)))
        return Field(kind="textarea" if long else "text", value_type="string",
                     default=text, **base)

    if kind_type == "array":
        items = merged.get("items")
        try:
            items = resolve(items, schemas or {}) if isinstance(items, Mapping) else {}
        except SchemaProblem:
            items = {}
        if items.get("type") == "string" and items.get("format") == "uri":
            return Field(kind="files", value_type="string",
                         file_kind=file_kind_of(name, description, None), **base)
        return _json(name, label, merged, required,
                     "A list: write it as JSON, like [1, 2] or [\"a\", \"b\"].",
                     default=default if isinstance(default, list) else None)

    if kind_type == "object":
        return _json(name, label, merged, required,
                     "An object: write it as JSON, like {\"key\": \"value\"}.",
                     default=default if isinstance(default, dict) else None)
    why = ("Its schema gives no type" if kind_type is None
           else f"Its type ({_text(kind_type)[:40]}) has no form field")
    return _json(name, label, merged, required, why + ": write the value as JSON.",
                 default=default)


def resolve(prop: Mapping[str, Any], schemas: Mapping[str, Any], depth: int = 0
            ) -> dict[str, Any]:
    """A property with its `$ref`, single-branch `allOf` and nullable `anyOf` folded in.

    The property's own keys win over the referenced schema's (its default, description)."""
    if depth > _MAX_REF_DEPTH:
        raise SchemaProblem("Its schema's $refs go too deep (or round in a circle).")
    out = dict(prop)
    ref = out.pop("$ref", None)
    if ref is not None:
        out = {**_lookup(ref, schemas, depth), **out}
    all_of = out.pop("allOf", None)
    if all_of is not None:
        if not isinstance(all_of, list) or not all(isinstance(b, Mapping) for b in all_of):
            raise SchemaProblem("Its allOf is malformed.")
        merged: dict[str, Any] = {}
        for branch in all_of:
            merged.update(resolve(branch, schemas, depth + 1))
        out = {**merged, **out}
    for key in ("anyOf", "oneOf"):
        branches = out.get(key)
        if isinstance(branches, list):
            real = [b for b in branches if isinstance(b, Mapping) and b.get("type") != "null"]
            if len(real) == 1 and len(real) < len(branches):
                del out[key]
                out = {**resolve(real[0], schemas, depth + 1), **out}
            else:
                raise SchemaProblem(f"It accepts several types ({key}).")
    return out


def file_kind_of(name: str, description: str = "", default: Any = None) -> FileKind:
    """Image, audio, video or any file: from the input's name, then its description, then
    the extension of its default URL."""
    for text in (name, description):
        words = {w[:-1] if w.endswith("s") and len(w) > 3 else w
                 for w in re.findall(r"[a-z0-9]+", _CAMEL.sub(r"\1 \2", text).lower())}
        for kind, known in _FILE_WORDS:
            if words & known:
                return kind
    if isinstance(default, str) and "." in default:
        ext = default.rsplit("?", 1)[0].rsplit(".", 1)[-1].lower()
        if ext in _EXTENSIONS:
            return _EXTENSIONS[ext]
    return "any"


def slider_step(minimum: float, maximum: float, integer: bool, *values: Any) -> float:
    """A step that lands on both bounds and on the default: 1 for integers, else a power of
    ten about a hundredth of the range (finer when a bound or the default needs it)."""
    if integer:
        return 1
    span = maximum - minimum
    exponent = math.floor(math.log10(span)) - 2 if span > 0 else -2
    exponent = max(min(exponent, 0), -6)
    for value in (minimum, maximum, *values):
        if isinstance(value, int | float) and not isinstance(value, bool) and _finite(value):
            exponent = min(exponent, -_decimals(value))
    return float(f"1e{max(exponent, -6)}")


def _numeric(kind_type: str, merged: Mapping[str, Any], base: dict[str, Any]) -> Field:
    integer = kind_type == "integer"
    low, low_exclusive = _bound(merged, "minimum", "exclusiveMinimum")
    high, high_exclusive = _bound(merged, "maximum", "exclusiveMaximum")
    default = merged.get("default")
    if not (isinstance(default, int | float) and not isinstance(default, bool)
            and _finite(default)):
        default = None
    elif integer:
        default = int(default) if float(default).is_integer() else None
    bounds = {"minimum": low, "maximum": high, "exclusive_minimum": low_exclusive,
              "exclusive_maximum": high_exclusive}
    value_type: ValueType = "integer" if integer else "number"
    if integer:
        bounds["minimum"] = None if low is None else _int_bound(low)
        bounds["maximum"] = None if high is None else _int_bound(high)
    # A slider always holds a value: an optional input with no default stays a number box
    # that may be left empty (the model's own default applies). So does a range too wide to
    # pick from with a slider (top_k up to 2**31 - 1: a pixel would be a million values).
    if low is not None and high is not None and low < high and (
            default is not None or base["required"]):
        step = slider_step(low, high, integer, default)
        if (high - low) / step <= MAX_SLIDER_STEPS:
            return Field(kind="slider", value_type=value_type, default=default, step=step,
                         **bounds, **base)
    return Field(kind="integer" if integer else "number", value_type=value_type,
                 default=default, **bounds, **base)


def _bound(prop: Mapping[str, Any], inclusive: str, exclusive: str) -> tuple[float | None, bool]:
    value = prop.get(inclusive)
    flag = prop.get(exclusive)
    if isinstance(flag, int | float) and not isinstance(flag, bool):  # JSON Schema 2019+
        value, is_exclusive = flag, True
    else:
        is_exclusive = flag is True  # draft 4: a boolean next to minimum/maximum
    if isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
        return None, False
    return value, is_exclusive


def _int_bound(value: float) -> float:
    return int(value) if float(value).is_integer() else value


def _json(name: str, label: str, schema: Mapping[str, Any], required: bool, note: str,
          default: Any = None) -> Field:
    return Field(name=name, kind="json", label=label, value_type="any",
                 description=_text(schema.get("description")), required=required,
                 default=default, note=note, schema=dict(schema))


def _lookup(ref: Any, schemas: Mapping[str, Any], depth: int) -> dict[str, Any]:
    prefix = "#/components/schemas/"
    if not isinstance(ref, str) or not ref.startswith(prefix):
        raise SchemaProblem(f"It refers to {str(ref)[:60]!r}, which is not in the schema.")
    target = schemas.get(ref[len(prefix):])
    if not isinstance(target, Mapping):
        raise SchemaProblem(f"It refers to {ref[len(prefix):][:60]!r}, which is not in the "
                            "schema.")
    return resolve(target, schemas, depth + 1)


def _label(name: str, *props: Any) -> str:
    # Cog titles enums after the enum class ("scheduler"); the property name reads better then.
    for prop in props:
        if isinstance(prop, Mapping) and "title" in prop and "$ref" not in prop and "enum" not in \
                prop and "allOf" not in prop:
            title = _text(prop.get("title"))
            if title:
                return title
    return label_of(name)


def label_of(name: str) -> str:
    """An input's label from its name alone ("face_enhance" -> "Face enhance"): the form's,
    when the schema gives no title (the History lists runs without their schema)."""
    return name.replace("_", " ").strip().capitalize() or name


def _order(prop: Any) -> float:
    order = prop.get("x-order") if isinstance(prop, Mapping) else None
    if isinstance(order, int | float) and not isinstance(order, bool) and _finite(order):
        return float(order)
    return math.inf


def _type_of_values(values: tuple[Any, ...], declared: Any) -> ValueType:
    if declared in ("string", "integer", "number", "boolean"):
        return declared  # type: ignore[no-any-return]
    if all(isinstance(v, str) for v in values):
        return "string"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "number"
    return "any"


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _finite(value: Any) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def _decimals(value: float) -> int:
    text = repr(float(value))
    if "e" in text:
        mantissa, exp = text.split("e")
        return max(0, len(mantissa.split(".")[1].rstrip("0")) - int(exp))
    return len(text.split(".")[1].rstrip("0"))


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def is_secret_property(spec: Mapping[str, Any]) -> bool:
    """An input the version marks secret (`x-cog-secret`, or `format: password`): a password
    field, sent to the model and blanked everywhere after."""
    return spec.get("x-cog-secret") is True or spec.get("format") == "password"
