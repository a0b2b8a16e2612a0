"""What a form sends -> the input a prediction gets, or an InputProblem naming the field.

Every value is hostile until checked: numbers arrive as strings, floats or huge ints (NaN and
infinity are refused, integers stay integers), strings may carry NUL or lone surrogates, JSON
may nest without end, and a file value must be a file this app handed out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .fields import Field, InputForm

MAX_TEXT = 200_000  # characters in one text input
MAX_JSON_DEPTH = 32
MAX_FILES = 50
_MAX_INT = 2**63 - 1
_URL_SCHEMES = ("http://", "https://", "data:")


class InputProblem(ValueError):
    """A value the model cannot be given; the message names the field and says why."""

    def __init__(self, field: Field, message: str) -> None:
        super().__init__(f"{field.label}: {message}")
        self.field = field.name


def coerce_inputs(form: InputForm, values: Mapping[str, Any], *,
                  file_roots: Iterable[Path] | None = None) -> dict[str, Any]:
    """The input to send: empty values are left out (the model's default applies), numbers
    and choices are checked against the schema, files become `Path`s (uploaded later by the
    service) or stay URLs. `file_roots`, when given, are the only folders a file may be in."""
    roots = [Path(r).resolve() for r in file_roots] if file_roots is not None else None
    unknown = [str(name) for name in values if name not in form]
    if unknown:
        raise ValueError(f"Not inputs of this model: {', '.join(sorted(unknown)[:5])}.")
    out: dict[str, Any] = {}
    for field in form:
        value = coerce_value(field, values.get(field.name), roots)
        if value is None:
            if field.required and not field.has_default:
                raise InputProblem(field, "required; "
                                   + ("upload a file." if field.is_file else "give a value."))
            continue
        out[field.name] = value
    return out


def is_default(field: Field, value: Any) -> bool:
    """The value is the schema's default (4.0 is 4; True is not 1)."""
    return field.has_default and value == field.default and \
        isinstance(value, bool) == isinstance(field.default, bool)


def coerce_value(field: Field, value: Any, roots: list[Path] | None = None) -> Any:
    """One value, checked and converted; None means "not given"."""
    if value is None or (isinstance(value, str) and not value.strip() and field.kind not in (
            "text", "textarea", "password")):
        return None
    kind = field.kind
    if kind == "checkbox":
        return _boolean(field, value)
    if kind in ("slider", "integer", "number"):
        return _number(field, value)
    if kind == "choice":
        return _choice(field, value)
    if kind in ("text", "textarea", "password"):
        text = _string(field, value)
        return text if text != "" else None
    if kind == "file":
        return _file(field, value, roots)
    if kind == "files":
        items = value if isinstance(value, list | tuple) else [value]
        if len(items) > MAX_FILES:
            raise InputProblem(field, f"at most {MAX_FILES} files.")
        files = [_file(field, item, roots) for item in items if item not in (None, "")]
        return files or None
    return _json_value(field, value)


def _boolean(field: Field, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "off"):
        return False
    raise InputProblem(field, "must be true or false.")


def _number(field: Field, value: Any) -> int | float:
    if isinstance(value, bool):
        raise InputProblem(field, "must be a number.")
    number: int | float
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 40:
            raise InputProblem(field, "is not a number.")
        try:
            number = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise InputProblem(field, f"{text[:20]!r} is not a number.") from None
    else:
        raise InputProblem(field, "must be a number.")
    if isinstance(number, float) and not math.isfinite(number):
        raise InputProblem(field, "must be a finite number (not NaN or infinity).")
    if field.value_type == "integer":
        if isinstance(number, float):
            if not number.is_integer():
                raise InputProblem(field, f"must be a whole number (got {number:g}).")
            number = int(number)
        if abs(number) > _MAX_INT:
            raise InputProblem(field, "is too large.")
    elif isinstance(number, int) and abs(number) > 2**53:
        raise InputProblem(field, "is too large.")
    _check_range(field, number)
    return number


def _check_range(field: Field, number: float) -> None:
    low, high = field.minimum, field.maximum
    below = low is not None and (number <= low if field.exclusive_minimum else number < low)
    above = high is not None and (number >= high if field.exclusive_maximum else number > high)
    if below or above:
        raise InputProblem(field, f"must be {field.range_text()} (got {_show(number)}).")


def _choice(field: Field, value: Any) -> Any:
    """The schema's own value: 2 stays 2 (not "2", nor 2.0, nor True)."""
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    for choice in field.choices:
        if type(choice) is type(value) and choice == value:
            return choice
    for choice in field.choices:
        if numeric and isinstance(choice, int | float) and not isinstance(choice, bool) \
                and choice == value:
            return choice
    text = str(value).strip()
    for choice in field.choices:
        if str(choice) == text:
            return choice
    shown = ", ".join(str(c) for c in field.choices[:8])
    more = ", ..." if len(field.choices) > 8 else ""
    raise InputProblem(field, f"{text[:40]!r} is not one of the choices ({shown}{more}).")


def _string(field: Field, value: Any) -> str:
    if not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        else:
            raise InputProblem(field, "must be text.")
    if len(value) > MAX_TEXT:
        raise InputProblem(field, f"is too long ({len(value):,} characters; at most "
                           f"{MAX_TEXT:,}).")
    if "\x00" in value:
        raise InputProblem(field, "contains a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputProblem(field, "contains characters that are not valid text "
                           "(a lone surrogate).") from None
    return value


def _file(field: Field, value: Any, roots: list[Path] | None) -> Path | str:
    if isinstance(value, str) and value.strip().lower().startswith(_URL_SCHEMES):
        return _string(field, value.strip())
    if not isinstance(value, str | Path):
        raise InputProblem(field, "must be an uploaded file or a URL.")
    if isinstance(value, str):
        _string(field, value)
    path = Path(value)
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise InputProblem(field, "the uploaded file is gone; upload it again.") from None
    if roots is not None and not any(resolved.is_relative_to(root) for root in roots):
        raise InputProblem(field, "only files uploaded here can be used.")
    if not resolved.is_file():
        raise InputProblem(field, "is not a file.")
    return resolved


def _json_value(field: Field, value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_TEXT:
            raise InputProblem(field, "is too long.")
        try:
            value = json.loads(text, parse_constant=_refuse_constant)
        except ValueError as exc:
            msg = getattr(exc, "msg", None) or str(exc)
            col = getattr(exc, "colno", None)
            where = f" at column {col}" if col else ""
            raise InputProblem(field, f"is not valid JSON ({msg}{where}).") from None
        except RecursionError:
            raise InputProblem(field, "is nested too deeply.") from None
    _check_json(field, value, 0)
    expected = field.schema.get("type")
    checks = {"array": list, "object": dict, "string": str}
    if isinstance(expected, str) and expected in checks and not isinstance(
            value, checks[expected]):
        raise InputProblem(field, f"must be a JSON {expected}.")
    return value


def _check_json(field: Field, value: Any, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise InputProblem(field, "is nested too deeply.")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputProblem(field, "must not contain NaN or infinity.")
    if isinstance(value, str):
        _string(field, value)
    elif isinstance(value, list):
        for item in value:
            _check_json(field, item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(field, key, depth + 1)
            _check_json(field, item, depth + 1)
    elif value is not None and not isinstance(value, bool | int | float):
        raise InputProblem(field, "must be plain JSON.")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _show(number: float) -> str:
    return str(number) if isinstance(number, int) else f"{number:g}"
