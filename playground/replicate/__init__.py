"""An async httpx client for the Replicate HTTP API (and Replicate-compatible servers)."""

from . import errors, types
from ._client import DEFAULT_BASE_URL, AsyncClient
from ._predictions import raise_for_status
from ._redact import redact, scrub
from ._retry import Retries, RetryNotice, retry_listener
from ._stream import PredictionStream
from .errors import (
    APIError,
    ConnectionFailed,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PaymentRequired,
    PredictionCanceled,
    PredictionFailed,
    PredictionTimedOut,
    RateLimited,
    ReplicateError,
    ServerError,
    Unauthenticated,
)
from .types import (
    Account,
    Collection,
    File,
    Hardware,
    Model,
    Page,
    Prediction,
    ServerSentEvent,
    Version,
    WebhookSecret,
)

__all__ = [
    "RetryNotice",
    "retry_listener",
    "DEFAULT_BASE_URL",
    "APIError",
    "Account",
    "AsyncClient",
    "Collection",
    "ConnectionFailed",
    "File",
    "Hardware",
    "InvalidInput",
    "Model",
    "NotFound",
    "Page",
    "PayloadTooLarge",
    "PaymentRequired",
    "Prediction",
    "PredictionCanceled",
    "PredictionFailed",
    "PredictionStream",
    "PredictionTimedOut",
    "RateLimited",
    "ReplicateError",
    "Retries",
    "ServerError",
    "ServerSentEvent",
    "Unauthenticated",
    "Version",
    "WebhookSecret",
    "errors",
    "raise_for_status",
    "redact",
    "scrub",
    "types",
]
