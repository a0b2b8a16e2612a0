"""A chat turn as model inputs: the conversation rendered into `prompt`, trimmed to fit.

A model reads its whole context window at once: the system prompt, every earlier turn, the new
message and the room for its answer. When the conversation outgrows it (a local model has 4k
tokens), the oldest turns are left out, and the result says so in plain words; a message that
does not fit on its own is refused with `MessageTooLong` before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from playground.chat_prompt import Turn, normalize_history, render_prompt, system_from_history
from playground.presets import ChatSettings

from .errors import MessageTooLong, MissingInput

# A cautious guess without the model's tokenizer: English runs ~4 characters a token, code and
# other scripts fewer. Guessing high only drops a turn early; guessing low fails the run.
CHARS_PER_TOKEN = 3
TEMPLATE_TOKENS = 48  # the model's own turn markers around system prompt and prompt
DEFAULT_ANSWER_TOKENS = 512


@dataclass
class ChatTurn:
    """The inputs for one answer, and what was left out to make it fit."""

    inputs: dict[str, Any]
    dropped_turns: int = 0
    notes: list[str] = field(default_factory=list)


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def chat_inputs(settings: ChatSettings, defaults: dict[str, Any], message: str,
                history: Iterable[Any] | None, *, system_prompt: str | None,
                inputs: dict[str, Any]) -> ChatTurn:
    """The inputs for `message` after `history` (Gradio's messages or (user, bot) pairs)."""
    if not (message or "").strip():
        raise MissingInput("The message", "Type a message first.")
    turns = normalize_history(history)
    sent = dict(defaults)
    sent.update({k: v for k, v in inputs.items() if v is not None})
    system = system_prompt or system_from_history(turns) or sent.get("system_prompt")
    if system:
        sent["system_prompt"] = system
    if settings.prompt_template and "prompt_template" not in inputs:
        sent["prompt_template"] = settings.prompt_template
    kept, dropped = _fit(settings, turns, message, str(system or ""), sent)
    sent["prompt"] = render_prompt(settings.format, kept, message)
    notes = []
    if dropped:
        notes.append(f"The {dropped} oldest message{'s' if dropped != 1 else ''} of the "
                     "conversation were left out: with them it is too long for this model.")
    return ChatTurn(sent, dropped, notes)


def _fit(settings: ChatSettings, turns: list[Turn], message: str, system: str,
         sent: dict[str, Any]) -> tuple[list[Turn], int]:
    """The newest turns that fit the context with the message and the answer's room."""
    context = settings.context_tokens
    if context is None:
        return turns, 0
    answer = _int(sent.get("max_tokens") or sent.get("max_new_tokens"), DEFAULT_ANSWER_TOKENS)
    answer = min(answer, context // 2)  # a huge max_tokens must not crowd out the question
    fixed = (estimate_tokens(system) + estimate_tokens(settings.prompt_template or "")
             + TEMPLATE_TOKENS + answer)
    need = estimate_tokens(render_prompt(settings.format, [], message))
    if fixed + need > context:
        raise MessageTooLong(fixed + need, context)
    kept = list(turns)
    while kept and fixed + estimate_tokens(render_prompt(settings.format, kept, message)) \
            > context:
        kept.pop(0)
    while kept and kept[0][0] == "assistant":  # start on a question, not half an exchange
        kept.pop(0)
    return kept, sum(1 for r, _ in turns if r != "system") - sum(
        1 for r, _ in kept if r != "system")


def _int(value: Any, default: int) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default
