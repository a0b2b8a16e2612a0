"""RunResult helpers, progress parsing and chat history rendering."""

from __future__ import annotations

import pytest

from playground.chat_prompt import normalize_history, render_prompt
from playground.results import RunResult, format_seconds, parse_progress


def test_parse_progress() -> None:
    assert parse_progress(None) is None
    assert parse_progress("loading weights\n") is None
    logs = "tiles:  10%|#         | 5/50\ntiles:  42%|####      | 21/50 [00:02<00:03]\n"
    assert parse_progress(logs) == pytest.approx(0.42)
    assert parse_progress("100%|██████████| 50/50 [00:05<00:00, 9.8it/s]") == 1.0


def _result(**kw) -> RunResult:
    base = dict(prediction_id="p1", model="local/real-esrgan", version=None, input={},
                status="succeeded", metrics={"client_time": 3.21, "predict_time": 2.94})
    return RunResult(**{**base, **kw})


def test_summary() -> None:
    assert _result().summary() == "succeeded in 3.2 s (predict 2.9 s) · local/real-esrgan"
    failed = _result(status="failed", error="CUDA out of memory\ntraceback...",
                     metrics={"client_time": 1.0})
    assert failed.summary() == "failed after 1.0 s · local/real-esrgan · CUDA out of memory"
    assert not failed.ok and _result(status="canceled").canceled and _result().ok
    assert format_seconds(2.345, 2) == "2.35 s" and format_seconds(float("nan")) == "n/a"


def test_text() -> None:
    assert _result(output=["Hel", "lo"]).text == "Hello"
    assert _result(output={"transcription": "hi", "segments": []}).text == "hi"
    assert _result(output=None).text == ""


def test_history_shapes_and_odd_orders() -> None:
    pairs = normalize_history([("Hi", "Hello!"), ("Again", None)])
    assert pairs == [("user", "Hi"), ("assistant", "Hello!"), ("user", "Again")]
    messages = normalize_history([
        {"role": "system", "content": "Be brief."},
        {"role": "assistant", "content": "Welcome!"},
        {"role": "user", "content": [{"type": "text", "text": "a"}]},
        {"role": "user", "content": {"path": "cat.png"}},  # a file: left out
        {"role": "user", "content": "b"},
    ])
    assert messages == [("system", "Be brief."), ("assistant", "Welcome!"), ("user", "a"),
                        ("user", "b")]
    # a greeting first gets an empty user turn; two user turns merge; unanswered gets ""
    assert render_prompt("chatml", messages, "c") == (
        "<|im_end|>\n<|im_start|>assistant\nWelcome!<|im_end|>\n<|im_start|>user\na\n\nb"
        "<|im_end|>\n<|im_start|>assistant\n<|im_end|>\n<|im_start|>user\nc")
    assert render_prompt("llama2", pairs[:2], "Why?") == "Hi [/INST] Hello! </s><s>[INST] Why?"
    assert render_prompt("plain", pairs[:2], "Why?") == "User: Hi\nAssistant: Hello!\nUser: Why?"
    assert render_prompt("llama3", [], "Hi") == "Hi"
    with pytest.raises(TypeError):
        normalize_history([42])
