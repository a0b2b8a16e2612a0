"""Pydantic models of the API's objects. Unknown fields are kept, missing ones default."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")

TERMINAL_STATUSES = frozenset({"succeeded", "failed", "canceled", "aborted"})


class _Model(BaseModel):
    # The API grows fields over time; keep them instead of failing.
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class PredictionUrls(_Model):
    get: str | None = None
    cancel: str | None = None
    stream: str | None = None
    web: str | None = None


class Prediction(_Model):
    id: str
    model: str | None = None
    version: str | None = None
    input: dict[str, Any] | None = None
    output: Any = None
    error: Any = None
    logs: str | None = None
    status: str = "starting"
    created_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    metrics: dict[str, Any] | None = None
    urls: PredictionUrls | None = None
    data_removed: bool = False
    source: str | None = None

    @property
    def done(self) -> bool:
        """True once the status is terminal (succeeded, failed or canceled)."""
        return self.status in TERMINAL_STATUSES

    def output_text(self) -> str:
        """The output as one string: a list of pieces (a streamed text model) is concatenated."""
        return output_as_text(self.output)


def output_as_text(output: Any) -> str:
    if output is None:
        return ""
    if isinstance(output, list):
        return "".join("" if piece is None else str(piece) for piece in output)
    return str(output)


class Version(_Model):
    id: str
    created_at: str | None = None
    cog_version: str | None = None
    openapi_schema: dict[str, Any] | None = None


class Model(_Model):
    url: str | None = None
    owner: str
    name: str
    description: str | None = None
    visibility: str | None = None
    github_url: str | None = None
    paper_url: str | None = None
    license_url: str | None = None
    run_count: int | None = None
    cover_image_url: str | None = None
    default_example: Prediction | None = None
    latest_version: Version | None = None

    @property
    def ref(self) -> str:
        return f"{self.owner}/{self.name}"


class FileUrls(_Model):
    get: str | None = None


class File(_Model):
    id: str
    name: str | None = None
    content_type: str | None = None
    size: int | None = None
    etag: str | None = None
    checksums: dict[str, str] | None = None
    metadata: dict[str, Any] | None = None
    created_at: str | None = None
    expires_at: str | None = None
    urls: FileUrls | None = None


class Account(_Model):
    type: str | None = None
    username: str
    name: str | None = None
    github_url: str | None = None


class Hardware(_Model):
    name: str
    sku: str


class Collection(_Model):
    name: str
    slug: str
    description: str | None = None
    models: list[Model] | None = None


class SearchMetadata(_Model):
    generated_description: str | None = None
    tags: list[str] | None = None
    score: float | None = None


class SearchHit(_Model):
    """A model found by `GET /v1/search`, with what the search adds about it."""

    model: Model
    metadata: SearchMetadata | None = None


class SearchCollection(_Model):
    name: str
    slug: str
    description: str | None = None
    models: list[str] | None = None  # "owner/name" refs


class SearchResults(_Model):
    """`GET /v1/search`: models, collections and docs pages matching a text query."""

    query: str | None = None
    models: list[SearchHit] = []
    collections: list[SearchCollection] = []


class WebhookSecret(_Model):
    key: str


class Page(_Model, Generic[T]):
    """One page of a cursor-paged list; pass `next` back as `cursor=` to get the next page."""

    results: list[T]
    next: str | None = None
    previous: str | None = None


class ServerSentEvent(_Model):
    """One event of a prediction's output stream."""

    event: Literal["output", "logs", "error", "done"]
    data: str = ""
    id: str | None = None
    prediction_id: str | None = None
