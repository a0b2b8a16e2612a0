"""What a prediction's `logs` and `error` may show a caller: no server paths, no tracebacks.

Models and the libraries under them name files by absolute path (the scratch directory, the
weights folder, site-packages); a visitor learns nothing useful from those and an attacker learns
the layout of the server. Every line a model logs and every error message pass through `line`.
"""

from __future__ import annotations

import re

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
