"""Whisper's input rules without the model: the suppress_tokens pattern takes exactly -1 and the
ids 0..51863, and any fallback step gives a short list of temperatures (a step of 1e-300 used
to loop forever, growing a list until the machine ran out of memory)."""

from __future__ import annotations

import re

import pytest

from playground.engine.models import _whisper_inputs as takes


def test_the_pattern_takes_exactly_the_model_s_token_ids() -> None:
    pattern = re.compile(takes.SUPPRESS_TOKENS)
    for number in range(-3, 70_000):
        taken = bool(pattern.fullmatch(str(number)))
        assert taken == (number == -1 or 0 <= number < takes.VOCABULARY), number
    for text in ["", "-1", " 1 , 2 ", "1,,2", ",", "-1,51863", "00042"]:
        assert takes.check_suppress_tokens(text) == text
    for text in ["a,b", "1 2", "1.5", "+1", "-", "1,-2", "999999", "١"]:
        with pytest.raises(ValueError, match="0 to 51863"):
            takes.check_suppress_tokens(text)
    assert takes.suppress_ids(" 5 ,, -1") == [5, -1]


@pytest.mark.parametrize(("start", "step", "expected"), [
    (0.0, 0.2, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),  # openai/whisper's default
    (0.0, 0.0, [0.0]),
    (0.5, 1.0, [0.5]),
    (1.0, 0.2, [1.0]),
])
def test_fallback_temperatures_as_openai_whisper_lists_them(
        start: float, step: float, expected: list[float]) -> None:
    assert takes.fallback_temperatures(start, step) == (expected, False)


@pytest.mark.parametrize("step", [1e-300, 1e-9, 1e-7, 0.001])
def test_a_tiny_step_is_widened_to_reach_1(step: float) -> None:
    temps, widened = takes.fallback_temperatures(0.0, step)
    assert widened and len(temps) == takes.MAX_TEMPERATURES
    assert temps[0] == 0.0 and temps[-1] == 1.0 and temps == sorted(set(temps))
