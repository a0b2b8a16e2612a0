"""What each field of a comparison session may hold: the types `session.py` is made of.

A session file travels (exported, shared, loaded in another browser), so everything in it is
hostile until checked: its id names the export's files, its numbers are summed and formatted,
its strings are written into files and pages, its values are sent to models. These types bound
every field (length, count, range), refuse what a file or a request cannot carry (NaN and
infinities, NUL, lone surrogates, numbers no model takes) and how deep a free-form value may
nest. `problem` words pydantic's first complaint as one sentence naming the field.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, ValidationError

# Every session model is strict (no "1" for 1, no 1.5 for an int) and refuses NaN/infinities.
STRICT = ConfigDict(strict=True, allow_inf_nan=False)

SESSION_ID = re.compile(r"[a-z0-9-]{1,64}")
MAX_DEPTH = 12  # a free-form value (an input, an override) nested deeper is not a model's input
MAX_ITEMS = 1000  # items of one list or object inside a free-form value
MAX_TEXT = 2_000_000  # characters of one string: a long transcript or log fits
MAX_INT = 2**63  # what a model's integer input can be (a seed is at most 64 bits)


def clean_text(value: str) -> str:
    """A string a file, a page and a request can carry as it is."""
    if "\x00" in value:
        raise ValueError("has a NUL character")
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError("is not valid Unicode (a lone surrogate)")
    return value


def _text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(clean_text)]


def _json_value(value: Any, depth: int = 0) -> Any:
    """A free-form value as JSON carries it, within the bounds above; tuples become lists."""
    if depth > MAX_DEPTH:
        raise ValueError(f"is nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise ValueError("is a number too large for any model input")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("is not a finite number (NaN or infinity)")
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"is a text longer than {MAX_TEXT:,} characters")
        return clean_text(value)
    if isinstance(value, list | tuple):
        if len(value) > MAX_ITEMS:
            raise ValueError(f"has more than {MAX_ITEMS} items")
        return [_json_value(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            raise ValueError(f"has more than {MAX_ITEMS} items")
        return {_key(k): _json_value(v, depth + 1) for k, v in value.items()}
    raise ValueError(f"holds a {type(value).__name__}, which is not a JSON value")


def _key(key: Any) -> str:
    if not isinstance(key, str) or len(key) > 200:
        raise ValueError("has a name that is not a short text")
    return clean_text(key)


def _session_id(value: str) -> str:
    if not SESSION_ID.fullmatch(value):
        raise ValueError("must be 1 to 64 lowercase letters, digits or dashes")
    return value


SessionId = Annotated[str, AfterValidator(_session_id)]
Ref = _text(300)  # owner/name:version, or preset:ID
Short = _text(200)  # a version, a prediction id, a hardware name, a status, a parameter name
Label = _text(500)
FileName = _text(400)  # a file relative to the data dir (safe_files checks where it leads)
LongText = _text(MAX_TEXT)  # a run's text output, logs, error
Key = Annotated[str, AfterValidator(_key)]
JsonValue = Annotated[Any, AfterValidator(_json_value)]
JsonObject = Annotated[dict[Key, JsonValue], Field(max_length=500)]
FileNames = Annotated[dict[Key, FileName], Field(max_length=50)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]  # a round
Cell = Annotated[int, Field(ge=0, le=10_000)]  # an entry, or a grid's cell
Seed = Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]
Money = Annotated[float, Field(ge=0, le=1e9)]


def problem(exc: ValidationError) -> str:
    """Pydantic's first complaint as "where: why" ("runs.0.metrics.predict_time: Input should
    be a finite number"), short, on one line."""
    first = exc.errors(include_url=False)[0]
    where = ".".join(_shown(p)[:40] for p in first.get("loc", ()))
    why = _shown(first.get("msg", "not valid")).removeprefix("Value error, ")
    said = f"{where}: {why}" if where else why
    return " ".join(said.split())[:240]


def _shown(part: Any) -> str:
    """A name from the file, safe to show: a hostile key may hold a NUL or a lone surrogate,
    which no page can carry."""
    text = str(part).encode("utf-8", "replace").decode("utf-8")
    return "".join(c if c.isprintable() else "?" for c in text)
