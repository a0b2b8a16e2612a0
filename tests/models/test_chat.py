"""local/smollm2-135m-instruct on llama.cpp: streamed answers, stop sequences, cancel."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from playground.engine.models.base import Canceled, EngineModel
from playground.engine.models.smollm2 import Input, SmolLM2

from .conftest import Ctx

pytestmark = pytest.mark.models

QUESTION = "What is the capital of France?"


@pytest.fixture
def chat(loaded: Callable[[type[EngineModel]], EngineModel]) -> SmolLM2:
    model = loaded(SmolLM2)
    assert isinstance(model, SmolLM2)
    return model


def test_streams_the_capital_of_france(chat: SmolLM2, ctx: Ctx) -> None:
    pieces = list(chat.predict(Input(prompt=QUESTION, temperature=0, max_tokens=48), ctx))
    assert len(pieces) > 3
    assert all(isinstance(p, str) and p for p in pieces)
    assert "Paris" in "".join(pieces)
    assert "tokens/s" in ctx.text


def test_temperature_zero_is_repeatable(chat: SmolLM2, ctx: Ctx) -> None:
    inp = Input(prompt="Name a colour.", temperature=0, max_tokens=16)
    assert "".join(chat.predict(inp, ctx)) == "".join(chat.predict(inp, ctx))


def test_stop_sequences_end_the_answer(chat: SmolLM2, ctx: Ctx) -> None:
    inp = Input(prompt=QUESTION, temperature=0, max_tokens=48, stop_sequences="Paris,<stop>")
    text = "".join(chat.predict(inp, ctx))
    assert "Paris" not in text
    assert text.strip()  # it got as far as "The capital of France is"


def test_max_tokens_bounds_the_answer(chat: SmolLM2, ctx: Ctx) -> None:
    inp = Input(prompt="Write a long story about a dragon.", max_tokens=8, temperature=0)
    assert 1 <= len(list(chat.predict(inp, ctx))) <= 8


def test_token_counts_say_when_the_answer_hit_max_tokens(chat: SmolLM2, ctx: Ctx) -> None:
    """As Replicate's language models report them, so a cut-off answer can be told apart."""
    long = Input(prompt="Write a long story about a dragon.", max_tokens=8, temperature=0)
    list(chat.predict(long, ctx))
    assert ctx.metrics["output_token_count"] == 8
    assert ctx.metrics["input_token_count"] > 0
    short = Input(prompt="Reply with the single word: yes", max_tokens=64, temperature=0)
    list(chat.predict(short, ctx))
    assert 0 < ctx.metrics["output_token_count"] < 64


def test_the_prompt_count_includes_what_the_cache_kept(chat: SmolLM2, ctx: Ctx) -> None:
    """A prompt read again is mostly in llama.cpp's cache: it is still the whole prompt (it
    once read "prompt 1 tokens" for a 15-word question)."""
    inp = Input(prompt="Explain what a diffusion model is in two sentences, please, for "
                "someone who has never heard of machine learning.", max_tokens=4, temperature=0)
    list(chat.predict(inp, ctx))
    first = ctx.metrics["input_token_count"]
    list(chat.predict(inp, ctx))
    assert first > 15
    assert ctx.metrics["input_token_count"] == first
    assert f"prompt {first} tokens" in ctx.text


def test_multi_turn_transcript_is_accepted(chat: SmolLM2, ctx: Ctx) -> None:
    transcript = "User: My name is Ada.\nAssistant: Nice to meet you, Ada.\nUser: What is my name?"
    text = "".join(chat.predict(Input(prompt=transcript, temperature=0, max_tokens=32), ctx))
    assert "Ada" in text


def test_cancel_stops_mid_stream(chat: SmolLM2, ctx: Ctx) -> None:
    inp = Input(prompt="Write a long story about a dragon.", max_tokens=400, temperature=0.7)
    got: list[str] = []
    with pytest.raises(Canceled):
        for piece in chat.predict(inp, ctx):
            got.append(piece)
            if len(got) == 5:
                ctx.cancel_event.set()
    assert len(got) == 5
    # The model is free again: the next prediction runs normally.
    ctx.cancel_event.clear()
    assert "Paris" in "".join(chat.predict(Input(prompt=QUESTION, temperature=0), ctx))


def test_closing_the_stream_early_releases_the_model(chat: SmolLM2, ctx: Ctx) -> None:
    stream = chat.predict(Input(prompt="Count from one to one hundred.", max_tokens=300), ctx)
    next(iter(stream))
    stream.close()  # type: ignore[attr-defined]  # the consumer went away
    text = "".join(chat.predict(Input(prompt=QUESTION, temperature=0, max_tokens=32), ctx))
    assert "Paris" in text


def test_a_message_over_the_context_says_so_plainly(chat: SmolLM2, ctx: Ctx) -> None:
    long = "Tell me about the sea. " * 1400  # ~30,000 characters, well over 4096 tokens
    with pytest.raises(ValueError) as info:
        "".join(chat.predict(Input(prompt=long, max_tokens=16), ctx))
    message = str(info.value)
    assert message.startswith("the conversation is too long for this model"), message
    assert "4096" in message and "llama.cpp" not in message
    # the model is still usable afterwards
    assert "".join(chat.predict(Input(prompt=QUESTION, temperature=0, max_tokens=8), ctx))
