"""The words a run is listed and found by: the snippet a list shows (the prompt, else the
answer) and the text the history's search reads (every string input and output, without
URLs, data URIs, files or secrets)."""

from __future__ import annotations

from typing import Any

from playground.history.record import FILE_KEY

SNIPPET_CHARS = 200
_SNIPPET_INPUTS = ("message", "prompt", "text", "question")  # a chat: the message


def list_texts(inputs: dict[str, Any], output: Any) -> tuple[str, str]:
    """The snippet shown in a list, and the text search looks in (prompts and outputs)."""
    said: list[str] = []
    _strings(inputs, said)
    pieces: list[str] = []
    _strings(output, pieces)
    # a streamed answer is a list of tokens: joined as they were streamed
    streamed = isinstance(output, list) and all(isinstance(x, str) for x in output)
    answer = ("" if streamed else " ").join(pieces)
    prompt = next((inputs[k] for k in _SNIPPET_INPUTS if isinstance(inputs.get(k), str)
                   and inputs[k].strip()), None)
    first = prompt or answer or (said[0] if said else "")
    snippet = " ".join(first.split())[:SNIPPET_CHARS]
    return snippet, "\n".join([*said, answer])[:100_000]


def _strings(value: Any, into: list[str]) -> None:
    if isinstance(value, str):
        if not value.startswith(("http://", "https://", "data:")):
            into.append(value)
    elif isinstance(value, dict):
        if FILE_KEY in value or "$secret" in value:
            return
        for v in value.values():
            _strings(v, into)
    elif isinstance(value, list):
        for v in value:
            _strings(v, into)
