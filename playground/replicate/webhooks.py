"""Verifying Replicate's webhook deliveries (Standard Webhooks signatures).

The signature is `v1,<base64 HMAC-SHA256("{webhook-id}.{webhook-timestamp}.{body}")>`, keyed
with the base64-decoded part of the `whsec_...` secret. Several space-separated signatures may
be present (during key rotation); one match is enough.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping

from .errors import ReplicateError

__all__ = ["WebhookVerificationError", "sign", "verify"]

DEFAULT_TOLERANCE = 300  # seconds; older (or future) timestamps are refused as replays


class WebhookVerificationError(ReplicateError):
    """The delivery is not authentic, was tampered with, or is too old (a replay)."""


def _key(secret: str) -> bytes:
    raw = secret.removeprefix("whsec_")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookVerificationError("the webhook secret is not valid base64") from exc


def sign(msg_id: str, timestamp: int, body: bytes, secret: str) -> str:
    """The `webhook-signature` value for a delivery (used by servers and tests)."""
    payload = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), payload, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    headers: Mapping[str, str],
    body: bytes,
    secret: str,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Raise WebhookVerificationError unless `body` was signed with `secret` recently.

    `headers` may be any mapping (names are matched case-insensitively); `body` must be the
    raw bytes as received, before any JSON parsing.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp")
    signatures = lower.get("webhook-signature")
    if not msg_id or not stamp or not signatures:
        raise WebhookVerificationError(
            "missing webhook-id, webhook-timestamp or webhook-signature header")
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise WebhookVerificationError(f"bad webhook-timestamp: {stamp!r}") from exc
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise WebhookVerificationError(
            f"webhook timestamp is {current - timestamp:+.0f} s off (tolerance {tolerance} s); "
            "refusing a possible replay")
    expected = sign(msg_id, timestamp, body, secret).encode()
    for candidate in signatures.split():
        version, _, _value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(candidate.encode(), expected):
            return
    raise WebhookVerificationError("no valid signature: the body or signature does not match")
