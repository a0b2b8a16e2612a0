"""What a prediction's `logs` and `error` may show a caller: no server paths, no tracebacks,
no secret inputs.

Models and the libraries under them name files by absolute path (the scratch directory, the
weights folder, site-packages); a visitor learns nothing useful from those and an attacker learns
the layout of the server. Every line a model logs and every error message pass through `line`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# An absolute path of two or more parts, not inside a URL (`http://host/a/b` is kept).
_PATH = re.compile(r"(?<![\w:/.%-])(?:/[^\s/'\"()<>\[\]{}:,;=]+){2,}/?")
_FRAME = re.compile(r"^\s*(?:Traceback \(most recent call last\):|File \".*\", line \d+)")


def _last_part(match: re.Match[str]) -> str:
    return match.group(0).rstrip("/").rsplit("/", 1)[-1]


def line(text: str) -> str | None:
    """`text` with absolute paths cut to their last part; None for a traceback frame line."""
    if _FRAME.match(text):
        return None
    return _PATH.sub(_last_part, text)


def message(text: str) -> str:
    """A whole (possibly multi-line) message, redacted line by line."""
    kept = [redacted for part in text.splitlines() if (redacted := line(part)) is not None]
    return "\n".join(kept)


# Secret inputs (Cog's `Secret`: `x-cog-secret`, `format: password`). The model gets the value;
# everything that outlives the request (the stored row, every response, webhook, log line and
# SSE event) shows this instead, as Replicate does (Cog's Secret is pydantic's SecretStr).
SECRET = "**********"
# A value shorter than this is not cut out of logs: it is too common in text to be told apart.
MIN_SCRUBBED = 4


def _is_secret(prop: Any) -> bool:
    return isinstance(prop, dict) and (
        prop.get("x-cog-secret") is True or prop.get("format") == "password")


def secret_names(schema: dict[str, Any]) -> frozenset[str]:
    """The inputs a version's Input schema marks secret (or a list of secrets)."""
    props = schema.get("properties") or {}
    return frozenset(name for name, prop in props.items() if _is_secret(prop) or (
        isinstance(prop, dict) and _is_secret(prop.get("items"))))


def split_secrets(values: dict[str, Any], names: frozenset[str]
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the input as it may be shown and stored, the secret values for the model alone)."""
    hidden = {k: v for k, v in values.items() if k in names}
    if not hidden:
        return values, {}
    shown = {k: ([SECRET] * len(v) if isinstance(v, list) else SECRET) if k in hidden else v
             for k, v in values.items()}
    return shown, hidden


def scrubber(hidden: dict[str, Any]) -> Callable[[str], str]:
    """A function cutting the secret values out of a text (a model may log or raise them)."""
    if not hidden:
        return _unchanged
    found = [v for value in hidden.values()
             for v in (value if isinstance(value, list) else [value])]
    texts = sorted({v for v in found if isinstance(v, str) and len(v) >= MIN_SCRUBBED},
                   key=len, reverse=True)  # longest first: one secret may contain another
    if not texts:
        return _unchanged
    pattern = re.compile("|".join(re.escape(t) for t in texts))
    return lambda text: pattern.sub(SECRET, text)


def _unchanged(text: str) -> str:
    return text
