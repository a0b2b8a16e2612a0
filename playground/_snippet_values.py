"""A snippet's input values: the placeholders an uploaded file and a secret input become, and
any value written as Python, JavaScript or JSON in a shell here-document (`run_code` puts them
in its snippets)."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# A data URI's type names its placeholder file; the file's suffix names the type read back.
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp",
              "image/gif": ".gif", "audio/wav": ".wav", "audio/x-wav": ".wav",
              "audio/mpeg": ".mp3", "audio/ogg": ".ogg", "audio/flac": ".flac",
              "video/mp4": ".mp4", "video/webm": ".webm"}


@dataclass(frozen=True)
class FileInput:
    """An uploaded file, shown in code as its file name (a placeholder path)."""

    path: str


@dataclass(frozen=True)
class SecretInput:
    """A secret input, read in code from an environment variable of this name."""

    env: str


def py_value(value: Any, level: int = 0, flavour: str = "python") -> str:
    """A Python literal; a file is `open(...)` for the official client ("python"), a `Path`
    for this project's `Service` ("playground")."""
    pad = "    " * (level + 1)
    if isinstance(value, FileInput):
        return (f"open({json.dumps(value.path)}, \"rb\")" if flavour == "python"
                else f"Path({json.dumps(value.path)})")
    if isinstance(value, SecretInput):
        return f"os.environ[{json.dumps(value.env)}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{json.dumps(str(k), ensure_ascii=False)}: "
                 f"{py_value(v, level + 1, flavour)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + "    " * level + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(py_value(v, level, flavour) for v in value) + "]"
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def js_value(value: Any, level: int) -> str:
    """A JavaScript literal; a file is read with node's `readFile` (a Buffer)."""
    pad = "  " * (level + 1)
    if isinstance(value, FileInput):
        return f"await readFile({json.dumps(value.path)})"
    if isinstance(value, SecretInput):
        return f"process.env[{json.dumps(value.env)}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{_js_key(str(k))}: {js_value(v, level + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + "  " * level + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(js_value(v, level) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _js_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", key) else json.dumps(key)


def heredoc_json(body: dict[str, Any]) -> str:
    """JSON for an unquoted here-document: `\\`, `$` and backticks escaped, files and secrets
    spliced in as shell expansions."""
    # Each file or secret becomes a mark in the JSON, replaced by its expansion at the end. A
    # mark holds a random token that nothing else in the text holds (checked: a text that does
    # gets another token), so an input cannot forge one; a fixed mark in a prompt would be
    # replaced too, splicing a secret or a file into it.
    while True:
        token = secrets.token_hex(8)
        marks: dict[str, str] = {}
        text = _escaped(json.dumps(_marked(body, token, marks), indent=2, ensure_ascii=False,
                                   allow_nan=False))
        if text.count(token) == len(marks):
            break
    for key, expansion in marks.items():
        text = text.replace(key, expansion)
    return text


def _marked(value: Any, token: str, marks: dict[str, str]) -> Any:
    if isinstance(value, FileInput | SecretInput):
        # letters and digits, which JSON and the escaping keep as they are; `m` ends it, so
        # mark 1 is not the start of mark 10
        key = f"mark{token}n{len(marks)}m"
        marks[key] = (_data_uri_expansion(value.path) if isinstance(value, FileInput)
                      else f"${{{value.env}}}")
        return key
    if isinstance(value, dict):
        return {k: _marked(v, token, marks) for k, v in value.items()}
    if isinstance(value, list):
        return [_marked(v, token, marks) for v in value]
    return value


def _escaped(text: str) -> str:
    """What an unquoted here-document would expand, escaped."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("`", "\\`")


def _data_uri_expansion(path: str) -> str:
    suffix = Path(path).suffix.lower()
    mime = next((m for m, ext in EXTENSIONS.items() if ext == suffix),
                "application/octet-stream")
    return f"data:{mime};base64,$(base64 < {shell_quote(path)} | tr -d '\\n')"


def shell_quote(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9._/:@%+=,-]+", text) else (
        "'" + text.replace("'", "'\\''") + "'")
