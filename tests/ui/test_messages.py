"""The error -> message mapping, including answers the local engine never gives (402, 429, 5xx)."""

from __future__ import annotations

import pytest

from playground.replicate import errors
from playground.replicate.types import Prediction
from playground.results import RunResult
from playground.service import scrub
from playground.service.errors import MissingInput, UnknownPreset, UnsupportedFile
from playground.ui.kit.messages import describe, for_result


def _failed(error: str) -> errors.PredictionFailed:
    return errors.PredictionFailed(Prediction(id="p1", status="failed", error=error, logs=""))


@pytest.mark.parametrize(
    ("exc", "title", "phrase"),
    [
        (errors.Unauthenticated(401, "Unauthenticated"), "not accepted", "r8_"),
        (errors.PaymentRequired(402, "Payment Required"), "Out of credit", "billing"),
        (errors.RateLimited(429, "Too Many Requests", retry_after=7), "Too many requests",
         "7 s"),
        (errors.ServerError(503, "Unavailable"), "The backend had a problem", "503"),
        (errors.PayloadTooLarge(413, "Too Large"), "File too large", "smaller file"),
        (errors.InvalidInput(422, "Invalid", invalid_fields=[
            {"field": "input.num_outputs", "description": "must be at most 4"}]),
         "Some settings were not accepted", "**num outputs**: must be at most 4"),
        (errors.ConnectionFailed("http://127.0.0.1:9", "refused"),
         "Cannot reach the models on this computer", "start it again"),
        (_failed("local/sd-turbo is unavailable: text-to-image is not available locally"),
         "Not available offline", "Text-to-image is not available locally"),
        (_failed("CUDA out of memory"), "The model could not finish", "CUDA out of memory"),
        (UnsupportedFile("a.txt is not an image (expected PNG, JPEG or WebP)"),
         "Problem with the file", "a.txt"),
        (UnknownPreset("chat", "nope", ["llama-3.1-405b", "llama-3.1-405b-precise"]),
         "Unknown preset", "Known presets: `llama-3.1-405b`, `llama-3.1-405b-precise`"),
        (MissingInput("The prompt", "Describe the picture you want first."),
         "The prompt is missing", "Describe"),
        (RuntimeError("boom at 0x7f"), "Something went wrong", "RuntimeError"),
    ],
)
def test_each_error_has_a_plain_message(exc: BaseException, title: str, phrase: str) -> None:
    message = describe(exc, local=True)
    assert title in message.title
    assert phrase in message.text
    assert "Traceback" not in message.text


def test_missing_token_is_not_called_wrong() -> None:
    message = describe(errors.Unauthenticated(401), had_token=False)
    assert message.title == "An API token is needed"


def test_not_found_on_the_local_engine_says_how_to_fix() -> None:
    message = describe(errors.NotFound(404, "Not found"), local=True)
    assert "playground models pull" in message.detail  # the command, one click away
    assert "models pull" not in message.text and "Details" in message.text


@pytest.mark.parametrize("local", [True, False])
def test_developer_words_go_to_the_details_not_the_first_line(local: bool) -> None:
    for exc in (errors.ConnectionFailed("http://127.0.0.1:9", "refused"),
                _failed("local/real-esrgan is unavailable: the real-esrgan weights are not "
                        "pulled: run `playground models pull real-esrgan`"),
                _failed("no package on PyPI carries it: pip install thing")):
        message = describe(exc, local=local)
        said = f"{message.title} {message.text}"
        for word in ("127.0.0.1", "http://", "models pull", "PyPI", "pip install", "`",
                     "--backend", "REPLICATE_API_TOKEN"):
            assert word not in said, (word, said)
        assert message.detail, message
    assert "127.0.0.1:9" in describe(errors.ConnectionFailed("http://127.0.0.1:9", "x")).detail
    plain = describe(_failed("local/sd-turbo is unavailable: text-to-image is not available "
                             "locally: no PyPI package carries diffusion weights"), local=True)
    assert plain.text == ("Text-to-image is not available locally. The reason and the fix are "
                          "under Details.")


def test_canceled_is_not_an_error() -> None:
    message = describe(errors.PredictionCanceled(Prediction(id="p", status="canceled")))
    assert message.kind == "canceled"


def test_secrets_are_scrubbed() -> None:
    text = scrub("failed with r8_abcdefghijklmnop and Bearer abcdefghijklmnopqrst")
    assert "r8_abc" not in text and "abcdefghijklmnopqrst" not in text
    leaked = describe(_failed("bad header Token r8_SECRETSECRETSECRET"), local=True)
    assert "SECRETSECRET" not in leaked.text


def test_failed_results_are_worded_like_failed_predictions() -> None:
    def result(status: str, error: str | None) -> RunResult:
        return RunResult("p1", "local/llm", None, {}, status, error=error)

    too_long = for_result(result("failed", "Prompt exceeds the available context size"))
    assert too_long.title == "The conversation is too long for this model"
    assert "Clear the conversation" in too_long.text and too_long.kind == "error"
    restarted = for_result(result("failed", "engine restarted"))
    assert restarted.title == "The model stopped midway" and "kept" in restarted.text
    assert for_result(result("canceled", None)).kind == "canceled"
    assert "CUDA" in for_result(result("failed", "CUDA out of memory")).text
