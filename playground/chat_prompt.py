"""Rendering a conversation into a chat model's inputs (`prompt`, `system_prompt`, ...).

Replicate's chat models take one `prompt` and one `system_prompt` and wrap them in their own chat
template. To send a multi-turn conversation, the earlier turns go into `prompt` written with the
model's own turn markers, so that once the model wraps it the whole conversation reads as a
proper transcript. Formats (a preset's `chat.format`):

- `llama3`: Llama 3 headers. The model's template is
  `<|begin_of_text|><|start_header_id|>system<|end_header_id|>\\n\\n{system_prompt}<|eot_id|>`
  `<|start_header_id|>user<|end_header_id|>\\n\\n{prompt}<|eot_id|>`
  `<|start_header_id|>assistant<|end_header_id|>\\n\\n`, so `prompt` becomes
  `u1<|eot_id|><|start_header_id|>assistant<|end_header_id|>\\n\\na1<|eot_id|>`
  `<|start_header_id|>user<|end_header_id|>\\n\\nmessage`.
- `llama2`: `[INST]` blocks; the model wraps `[INST] <<SYS>>...<</SYS>>\\n\\n{prompt} [/INST]`,
  so `prompt` becomes `u1 [/INST] a1 </s><s>[INST] message`.
- `chatml`: ChatML (`<|im_start|>role\\n...<|im_end|>\\n`, SmolLM2, Qwen); `prompt` becomes
  `u1<|im_end|>\\n<|im_start|>assistant\\na1<|im_end|>\\n<|im_start|>user\\nmessage`.
- `plain`: no markers: earlier turns as "User: ..." / "Assistant: ..." lines, then the message.

A preset may also set `chat.prompt_template`, sent as the `prompt_template` input (with
`{system_prompt}` and `{prompt}`), for models whose default template is not the one above.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

ChatFormat = Literal["llama3", "llama2", "chatml", "plain"]
Turn = tuple[str, str]  # (role, text), role in user|assistant|system

LLAMA3_TEMPLATE = (
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{system_prompt}<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\n"
)
CHATML_TEMPLATE = (
    "<|im_start|>system\n{system_prompt}<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n"
    "<|im_start|>assistant\n"
)
LLAMA2_TEMPLATE = "[INST] <<SYS>>\n{system_prompt}\n<</SYS>>\n\n{prompt} [/INST]"
TEMPLATES: dict[str, str] = {"llama3": LLAMA3_TEMPLATE, "chatml": CHATML_TEMPLATE,
                             "llama2": LLAMA2_TEMPLATE}


def normalize_history(history: Iterable[Any] | None) -> list[Turn]:
    """Gradio's two history shapes, `[{"role", "content"}, ...]` and `[(user, bot), ...]`,
    as (role, text) turns; non-text content (files) and empty turns are left out."""
    turns: list[Turn] = []
    for item in history or ():
        if isinstance(item, dict):
            text = _text(item.get("content"))
            if text is not None and item.get("role") in ("user", "assistant", "system"):
                turns.append((str(item["role"]), text))
        elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
            for role, content in zip(("user", "assistant"), item, strict=True):
                text = _text(content)
                if text is not None:
                    turns.append((role, text))
        else:
            raise TypeError(f"a chat history item must be a dict or a (user, bot) pair: {item!r}")
    return turns


def _text(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # messages with parts: keep the text parts
        parts = [p.get("text", "") for p in content if isinstance(p, dict)
                 and p.get("type") == "text"]
        return "".join(parts) if parts else None
    return None


def render_prompt(fmt: ChatFormat, history: Sequence[Turn], message: str) -> str:
    """The `prompt` input: earlier turns in the format's markers, then the new message."""
    turns = [(r, t) for r, t in history if r in ("user", "assistant")]
    if fmt == "plain":
        lines = [f"{'User' if r == 'user' else 'Assistant'}: {t}" for r, t in turns]
        return "\n".join([*lines, f"User: {message}"]) if lines else message
    out: list[str] = []
    for role, text in _alternating(turns):
        # close this turn and open the other speaker's
        out.append(text + _switch(fmt, "assistant" if role == "user" else "user"))
    out.append(message)
    return "".join(out)


def _alternating(turns: list[Turn]) -> list[Turn]:
    """user, assistant, user, ..., assistant: same-speaker runs merged, gaps filled empty."""
    merged: list[Turn] = []
    for role, text in turns:
        if merged and merged[-1][0] == role:
            merged[-1] = (role, f"{merged[-1][1]}\n\n{text}")
        else:
            merged.append((role, text))
    if merged and merged[0][0] == "assistant":  # e.g. a greeting shown before the user spoke
        merged.insert(0, ("user", ""))
    if merged and merged[-1][0] == "user":  # a question left unanswered (a failed reply)
        merged.append(("assistant", ""))
    return merged


def _switch(fmt: ChatFormat, to: str) -> str:
    if fmt == "llama3":
        return f"<|eot_id|><|start_header_id|>{to}<|end_header_id|>\n\n"
    if fmt == "chatml":
        return f"<|im_end|>\n<|im_start|>{to}\n"
    if fmt == "llama2":
        return " [/INST] " if to == "assistant" else " </s><s>[INST] "
    raise ValueError(f"unknown chat format {fmt!r}")


def system_from_history(history: Sequence[Turn]) -> str | None:
    """The last system turn of a history, if any (an explicit system_prompt wins over it)."""
    for role, text in reversed(history):
        if role == "system":
            return text
    return None

