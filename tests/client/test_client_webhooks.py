"""Webhook signature verification (Standard Webhooks)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import standardwebhooks

from playground.replicate.webhooks import WebhookVerificationError, sign, verify

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def _headers(signature: str = SIGNATURE, timestamp: int = TIMESTAMP) -> dict[str, str]:
    return {"Webhook-Id": MSG_ID, "Webhook-Timestamp": str(timestamp),
            "Webhook-Signature": signature}


def test_the_published_test_vector_verifies() -> None:
    assert sign(MSG_ID, TIMESTAMP, BODY, SECRET) == SIGNATURE
    verify(_headers(), BODY, SECRET, now=TIMESTAMP + 10)


def test_one_valid_signature_among_several_is_enough() -> None:
    verify(_headers(f"v1,bm90IGl0 {SIGNATURE}"), BODY, SECRET, now=TIMESTAMP)


def test_tampered_body_is_refused() -> None:
    with pytest.raises(WebhookVerificationError, match="signature"):
        verify(_headers(), b'{"test": 2432232315}', SECRET, now=TIMESTAMP)


def test_wrong_signature_or_secret_is_refused() -> None:
    with pytest.raises(WebhookVerificationError):
        verify(_headers("v1,AAAA" + SIGNATURE[7:]), BODY, SECRET, now=TIMESTAMP)
    with pytest.raises(WebhookVerificationError):
        verify(_headers(), BODY, "whsec_" + "A" * 32, now=TIMESTAMP)


@pytest.mark.parametrize("offset", [301, -301, 86400])
def test_stale_or_future_timestamps_are_refused(offset: int) -> None:
    with pytest.raises(WebhookVerificationError, match="replay"):
        verify(_headers(), BODY, SECRET, now=TIMESTAMP + offset)


def test_missing_headers_are_refused() -> None:
    with pytest.raises(WebhookVerificationError, match="missing"):
        verify({"webhook-id": MSG_ID}, BODY, SECRET, now=TIMESTAMP)


def test_agrees_with_the_standardwebhooks_library() -> None:
    hook = standardwebhooks.Webhook(SECRET)
    body = b'{"id": "p1", "status": "succeeded"}'
    now = int(time.time())
    signature = hook.sign("msg_1", datetime.fromtimestamp(now, tz=UTC), body.decode())
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now),
               "webhook-signature": signature}
    verify(headers, body, SECRET)
    hook.verify(body, {**headers, "webhook-signature": sign("msg_1", now, body, SECRET)})
