"""Every error the client raises, all under one base class.

```
ReplicateError
 ├── APIError (status, title, detail: from an application/problem+json body)
 │    ├── Unauthenticated      401
 │    ├── PaymentRequired      402
 │    ├── NotFound             404
 │    ├── PayloadTooLarge      413
 │    ├── InvalidInput         422  (.invalid_fields, .fields)
 │    ├── RateLimited          429  (.retry_after seconds)
 │    └── ServerError          5xx
 ├── ConnectionFailed          the backend could not be reached (names the URL, never the token)
 ├── PredictionFailed          (.prediction, .error, .logs)
 ├── PredictionCanceled        (.prediction)
 └── PredictionTimedOut        (.prediction; the client has asked the server to cancel it)
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .types import Prediction

__all__ = [
    "APIError",
    "ConnectionFailed",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "PaymentRequired",
    "PredictionCanceled",
    "PredictionFailed",
    "PredictionTimedOut",
    "RateLimited",
    "ReplicateError",
    "ServerError",
    "Unauthenticated",
]


class ReplicateError(Exception):
    """Base class of everything this client raises."""


class APIError(ReplicateError):
    """The API answered with an error status."""

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        method: str | None = None,
        url: str | None = None,
        body: Any = None,
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.method = method
        self.url = url
        self.body = body  # the parsed problem+json (or None)
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"{self.status} {self.title}" if self.title else f"HTTP {self.status}"
        text = f"{head}: {self.detail}" if self.detail else head
        if self.method and self.url:
            text += f" ({self.method} {self.url})"
        return text


class Unauthenticated(APIError):
    """401: the token is missing, wrong or revoked."""


class PaymentRequired(APIError):
    """402: the account has run out of credit."""


class NotFound(APIError):
    """404: no such model, version, prediction or file (or not visible to this token)."""


class PayloadTooLarge(APIError):
    """413: the request body (usually an upload) is too large."""


class InvalidInput(APIError):
    """422: the input did not match the model's schema."""

    def __init__(self, *args: Any, invalid_fields: list[dict[str, Any]] | None = None,
                 **kwargs: Any) -> None:
        self.invalid_fields: list[dict[str, Any]] = list(invalid_fields or [])
        super().__init__(*args, **kwargs)

    @property
    def fields(self) -> list[str]:
        """The names of the offending fields, as the API reports them."""
        return [str(f.get("field", "")) for f in self.invalid_fields if isinstance(f, dict)]

    def _message(self) -> str:
        text = super()._message()
        parts = [
            f"{f.get('field', '?')}: {f.get('description') or f.get('type') or 'invalid'}"
            for f in self.invalid_fields
            if isinstance(f, dict)
        ]
        return f"{text} [{'; '.join(parts)}]" if parts else text


class RateLimited(APIError):
    """429: too many requests; `retry_after` is how long the server asked us to wait."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(*args, **kwargs)


class ServerError(APIError):
    """5xx: the service failed; for a create it may or may not have been created."""


class ConnectionFailed(ReplicateError):
    """The backend could not be reached (refused, DNS, TLS, timed out, dropped)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"Could not reach the Replicate API at {url}: {reason}")


class _PredictionError(ReplicateError):
    def __init__(self, prediction: Prediction, message: str) -> None:
        self.prediction = prediction
        super().__init__(message)


class PredictionFailed(_PredictionError):
    """The prediction finished with status `failed` (or the stream reported an error)."""

    def __init__(self, prediction: Prediction) -> None:
        self.error = prediction.error
        self.logs = prediction.logs or ""
        message = f"Prediction {prediction.id} failed: {prediction.error or 'unknown error'}"
        tail = _last_lines(self.logs, 5)
        if tail:
            message += f"\nLast log lines:\n{tail}"
        super().__init__(prediction, message)


class PredictionCanceled(_PredictionError):
    """The prediction was canceled before it finished."""

    def __init__(self, prediction: Prediction) -> None:
        super().__init__(prediction, f"Prediction {prediction.id} was canceled")


class PredictionTimedOut(_PredictionError):
    """The prediction did not finish in time; the client asked the server to cancel it."""

    def __init__(self, prediction: Prediction, timeout: float) -> None:
        self.timeout = timeout
        super().__init__(
            prediction,
            f"Prediction {prediction.id} did not finish within {timeout:g} s "
            f"(last status: {prediction.status}); it has been canceled",
        )


def _last_lines(text: str, n: int) -> str:
    return "\n".join(text.strip().splitlines()[-n:])
