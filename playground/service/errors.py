"""Every error a caller of the service can meet, by type (never by name).

```
ServiceError                 what was asked cannot be done as asked; `str` is a plain sentence
 ├── MissingInput            a required field is empty (.field, .hint)
 ├── UnknownPreset           no such preset for the task (.task, .name, .known); also a KeyError
 ├── MessageTooLong          a chat message that does not fit the model's context on its own
 └── RunRefused              demo mode: the host's limits refuse it (.title, .retry_after)
FileProblem                  a file the user gave cannot be used (names the file)
 ├── UnsupportedFile, CorruptFile, FileTooLarge
 └── DownloadFailed          an output could not be fetched
ReplicateError               the backend's answers (see playground.replicate.errors)
 ├── APIError (Unauthenticated, PaymentRequired, NotFound, PayloadTooLarge, InvalidInput,
 │             RateLimited, ServerError)
 ├── ConnectionFailed
 └── PredictionTimedOut      (PredictionFailed/PredictionCanceled never leave the service:
                              a failed or canceled prediction is a RunResult with that status)
```
"""

from __future__ import annotations

from playground.files.errors import (
    CorruptFile,
    DownloadFailed,
    FileProblem,
    FileTooLarge,
    UnsupportedFile,
)
from playground.replicate.errors import (
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

__all__ = [
    "APIError",
    "ConnectionFailed",
    "CorruptFile",
    "DownloadFailed",
    "FileProblem",
    "FileTooLarge",
    "InvalidInput",
    "MessageTooLong",
    "MissingInput",
    "NotFound",
    "PayloadTooLarge",
    "PaymentRequired",
    "PredictionCanceled",
    "PredictionFailed",
    "PredictionTimedOut",
    "RateLimited",
    "ReplicateError",
    "RunRefused",
    "ServerError",
    "ServiceError",
    "Unauthenticated",
    "UnknownPreset",
    "UnsupportedFile",
]


class ServiceError(Exception):
    """Base class of the service's own errors."""


class MissingInput(ServiceError):
    """A required field is empty: `field` names it ("The prompt"), `hint` says what to do."""

    def __init__(self, field: str, hint: str) -> None:
        self.field = field
        self.hint = hint
        super().__init__(f"{field}: {hint}")


class UnknownPreset(ServiceError, KeyError):
    """No preset of that name for the task; `known` lists the ones there are."""

    def __init__(self, task: str, name: str, known: list[str]) -> None:
        self.task = task
        self.name = name
        self.known = known
        super().__init__(self._text())

    def _text(self) -> str:
        listed = ", ".join(self.known) or "none"
        return f"no {self.task} preset {self.name!r} (known: {listed})"

    def __str__(self) -> str:  # KeyError would quote it
        return self._text()


class MessageTooLong(ServiceError):
    """The new message alone does not fit the model's context (older turns already dropped)."""

    def __init__(self, tokens: int, context: int) -> None:
        self.tokens = tokens
        self.context = context
        super().__init__(f"the message is about {tokens} tokens; the model reads at most "
                         f"{context} (its answer included)")


class RunRefused(ServiceError):
    """The demo's limits refuse this run; `str` says why and `retry_after` (seconds, or None)
    how long to wait. Nothing was sent."""

    def __init__(self, title: str, text: str, retry_after: float | None = None) -> None:
        self.title = title
        self.retry_after = retry_after
        super().__init__(text)
