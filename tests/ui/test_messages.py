"""The error -> message mapping, including answers the local engine never gives (402, 429, 5xx)."""

from __future__ import annotations

import pytest

from playground.replicate import errors
from playground.replicate.types import Prediction
from playground.ui.messages import MissingInput, UploadProblem, describe, scrub


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
        (errors.ConnectionFailed("http://127.0.0.1:9", "refused"), "Cannot reach the backend",
         "127.0.0.1:9"),
        (_failed("local/sd-turbo is unavailable: text-to-image is not available locally"),
         "Not available offline", "Text-to-image is not available locally"),
        (_failed("CUDA out of memory"), "The model could not finish", "CUDA out of memory"),
        (UploadProblem("the image", "“a.txt” is not an image we can read."),
         "Problem with the image", "a.txt"),
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
    assert "playground models pull" in message.text


def test_canceled_is_not_an_error() -> None:
    message = describe(errors.PredictionCanceled(Prediction(id="p", status="canceled")))
    assert message.kind == "canceled"


def test_secrets_are_scrubbed() -> None:
    text = scrub("failed with r8_abcdefghijklmnop and Bearer abcdefghijklmnopqrst")
    assert "r8_abc" not in text and "abcdefghijklmnopqrst" not in text
    leaked = describe(_failed("bad header Token r8_SECRETSECRETSECRET"), local=True)
    assert "SECRETSECRET" not in leaked.text
