"""JSON that the engine can always store and always send back.

Four rules, each in one place:
- `parse` (the door): a request body or form field is parsed strictly: no `NaN`/`Infinity`
  constants or numbers that overflow to infinity, no lone surrogates or NUL in strings, nesting
  at most `MAX_DEPTH` deep. A violation is an `UnsafeJSON` naming the problem (a 4xx).
- `dumps` (the store): a record that cannot be serialised as strict UTF-8 JSON raises
  `UnsafeJSON` rather than being written.
- `repair` (reading back): rows written before these rules existed are made sendable
  (non-finite numbers become null, lone surrogates U+FFFD) instead of breaking every listing.
- `sendable` (a response body): UTF-8 JSON bytes by orjson (several times faster than the
  stdlib for the records every request returns), with what `repair` would make of a value
  orjson cannot write.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

MAX_DEPTH = 64
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


class UnsafeJSON(ValueError):
    """A JSON value the engine refuses to accept or store; the message says why."""


def _reject_constant(name: str) -> Any:
    raise UnsafeJSON(f"{name} is not a JSON number: send a finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeJSON(f"the number {text[:40]} is too large")
    return value


def _check_string(text: str, where: str) -> None:
    if "\x00" in text:
        raise UnsafeJSON(f"{where} contains a NUL character")
    if not text.isascii() and _LONE_SURROGATE.search(text):  # isascii: O(1), base64 is
        raise UnsafeJSON(f"{where} contains a lone surrogate (not valid Unicode)")


def check(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Walk a parsed value (iteratively: depth is what it limits) and raise UnsafeJSON."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "body")]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, dict | list):
            if depth > max_depth:
                raise UnsafeJSON(f"JSON is nested more than {max_depth} levels deep")
            if isinstance(node, dict):
                for key, item in node.items():
                    _check_string(key, f"a key in {where}")
                    stack.append((item, depth + 1, f"{where}.{key}"[:200]))
            else:
                stack.extend((item, depth + 1, f"{where}.{i}"[:200]) for i, item in enumerate(node))
        elif isinstance(node, str):
            _check_string(node, where)
        elif isinstance(node, float) and not math.isfinite(node):
            raise UnsafeJSON(f"{where} is not a finite number")


# One decoder for every request (json.loads with hooks builds a new one per call).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def parse(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse untrusted JSON; raise UnsafeJSON (or ValueError for a syntax error)."""
    if isinstance(data, bytes | bytearray):  # as json.loads reads bytes (UTF-8, -16 or -32)
        data = data.decode(json.detect_encoding(data), "surrogatepass")
    elif data.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", data, 0)
    try:
        value = _DECODER.decode(data)
    except RecursionError:
        raise UnsafeJSON(f"JSON is nested more than {max_depth} levels deep") from None
    check(value, max_depth)
    return value


def dumps(value: Any) -> str:
    """Strict JSON for storage; raises UnsafeJSON for NaN/inf or lone surrogates."""
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")
    except (ValueError, TypeError, RecursionError) as exc:
        raise UnsafeJSON(f"not storable as JSON: {exc}") from None
    return text


def repair(value: Any) -> Any:
    """A value that `dumps` accepts: NaN/inf -> None, lone surrogates -> U+FFFD."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {repair(str(k)): repair(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [repair(v) for v in value]
    return value


def sendable(value: Any) -> bytes:
    """A response body. orjson writes NaN/inf as null (as `repair` does); a lone surrogate, a
    non-string key or an integer past 64 bits makes it refuse, and `repair` and the stdlib
    write those instead."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(repair(value), ensure_ascii=False, allow_nan=False,
                          separators=(",", ":")).encode("utf-8")
