"""Keep tokens out of reprs, logs and error messages."""

from __future__ import annotations


def redact(token: str | None) -> str:
    """`r8_Abc...wxyz` -> `r8_****wxyz`; short or unknown tokens are fully hidden."""
    if not token:
        return "None"
    prefix = "r8_" if token.startswith("r8_") else ""
    tail = token[-4:] if len(token) >= 12 else ""
    return f"{prefix}****{tail}"


def scrub(text: str, *tokens: str | None) -> str:
    """Replace any token found in `text` (a server may echo it) with its redacted form."""
    for token in tokens:
        if token and token in text:
            text = text.replace(token, redact(token))
    return text
