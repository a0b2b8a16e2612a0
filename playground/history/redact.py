"""What never reaches the history: secrets, inlined files, and values SQLite or JSON cannot hold.

A secret input is one the version's schema marks `x-cog-secret`, or, when the schema is not
known, one whose name looks like a credential (`api_key`, `hf_token`, `password`; not
`max_tokens`). Its value is replaced by `SECRET` and never written; a string that looks like an
API token is dropped wherever it appears.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from playground.forms.fields import is_secret_property

SECRET = {"$secret": "not stored"}  # an input's value the history refuses to keep
MAX_DEPTH = 32  # a JSON input nested 100,000 deep is cut here, not recursed into
MAX_TEXT = 100_000  # characters of one string value

_SECRET_WORDS = {"secret", "password", "passwd", "passphrase", "apikey", "credential",
                 "credentials", "token", "auth", "authorization", "cookie", "bearer"}
_KEY_QUALIFIERS = {"api", "access", "private", "secret", "auth", "signing"}
_TOKEN_VALUE = re.compile(r"\b(r8_[A-Za-z0-9]{16,}|hf_[A-Za-z0-9]{16,}|sk-[A-Za-z0-9_-]{16,})")


def looks_secret(name: str) -> bool:
    """`api_key`, `hf_token`, `HF-API-TOKEN`, `password`: yes. `max_tokens`, `key`: no."""
    parts = [p for p in re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower())
             if p]
    if any(p in _SECRET_WORDS for p in parts):
        return True
    joined = "".join(parts)
    if "apikey" in joined or "accesskey" in joined or "privatekey" in joined:
        return True
    return "key" in parts and any(p in _KEY_QUALIFIERS for p in parts)


def secret_inputs(openapi_schema: Mapping[str, Any] | None) -> frozenset[str]:
    """The input names a version's schema marks secret (forms.is_secret_property)."""
    try:
        props = openapi_schema["components"]["schemas"]["Input"]["properties"]  # type: ignore[index]
    except (KeyError, TypeError):
        return frozenset()
    return secret_properties(props)


def secret_properties(props: Any) -> frozenset[str]:
    """The names among an input schema's `properties` that are secret."""
    if not isinstance(props, Mapping):
        return frozenset()
    return frozenset(str(name) for name, spec in props.items()
                     if isinstance(spec, Mapping) and is_secret_property(spec))


def is_secret_input(name: str, secrets: frozenset[str]) -> bool:
    return name in secrets or looks_secret(name)


def clean_text(value: str) -> str:
    """A string SQLite and JSON keep as it is: no NUL, no lone surrogate, no API token."""
    value = value[:MAX_TEXT].replace("\x00", "")
    value = value.encode("utf-8", "replace").decode("utf-8")
    return _TOKEN_VALUE.sub("[token removed]", value)


def clean_value(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy: NaN and infinities become None, unknown types their short text."""
    if depth > MAX_DEPTH:
        return "[nested too deep: not stored]"
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_text(str(k)): clean_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v, depth + 1) for v in value]
    return clean_text(str(value))[:200]
