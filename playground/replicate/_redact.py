"""Keep tokens out of reprs, logs and error messages."""

from __future__ import annotations

import re

# Anything shaped like a credential: a Replicate token, or what follows "Bearer"/"token".
_TOKEN_LIKE = re.compile(r"(r8_[A-Za-z0-9_\-]{6,}|(?i:bearer|token)\s+[A-Za-z0-9_\-\.]{12,})")


def redact(token: str | None) -> str:
    """`r8_Abc...wxyz` -> `r8_****wxyz`; short or unknown tokens are fully hidden."""
    if not token:
        return "None"
    prefix = "r8_" if token.startswith("r8_") else ""
    tail = token[-4:] if len(token) >= 12 else ""
    return f"{prefix}****{tail}"


def scrub(text: str, *tokens: str | None) -> str:
    """`text` with each of `tokens` (a server may echo one) redacted, and anything else shaped
    like a credential cut out: safe to log or show."""
    for token in tokens:
        if token and token in text:
            text = text.replace(token, redact(token))
    return _TOKEN_LIKE.sub("[hidden]", text)
