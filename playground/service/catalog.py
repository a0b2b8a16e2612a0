"""Finding a model to run: look one up by what a person typed, list, search, collections.

No gradio here. `Service.catalog` is a `Catalog` on the service's router (a `--cog` model's
`local/<name>` is found on the embedded engine beside the backend, and listed and searched
before the backend's own models). `find_model` turns
"owner/name", "owner/name:version" or a pasted
replicate.com link into a `ModelSetup` (the model's card, the version whose schema gives the
form, the ref to run, the form and the output view), or a `ModelProblem` in plain words: an
unknown model, a private one, a version that does not exist, a missing or malformed schema.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from playground.files.covers import CoverImages
from playground.forms import InputForm, OutputView, SchemaProblem, form_from_schema, output_view
from playground.replicate import AsyncClient, errors
from playground.replicate.types import Model, SearchMetadata, Version

from .routing import Router

_REF = re.compile(r"^([A-Za-z0-9][\w.-]{0,99})/([A-Za-z0-9][\w.-]{0,99})(?::([0-9a-f]{64}))?$")
_LINK = re.compile(r"^(?:https?://)?(?:www\.)?replicate\.com/([^/?#\s]+)/([^/?#\s]+)"
                   r"(?:/versions/([0-9a-f]{64}))?/?(?:[?#].*)?$")
MAX_LISTED = 200


class ModelProblem(ValueError):
    """The model cannot be shown or run; the message says why in plain words."""


@dataclass(frozen=True)
class ModelCard:
    """What a list or a header shows of a model."""

    ref: str  # owner/name
    description: str = ""
    official: bool = False  # runs without a version (Replicate's `is_official`)
    run_count: int | None = None
    cover_image_url: str | None = None
    url: str | None = None
    visibility: str | None = None
    latest_version: str | None = None

    @classmethod
    def of(cls, model: Model, found: SearchMetadata | None = None) -> ModelCard:
        """The card of `model`; a search's longer description stands in for a missing one."""
        extra = model.model_extra or {}
        latest = model.latest_version.id if model.latest_version is not None else None
        # A local engine's "… (unavailable: run `…`)": the fix is for the person running it;
        # a run says why, under its Details.
        description = _UNAVAILABLE.sub(" (not available on this computer)",
                                       (model.description or "").strip()) or (
            (found.generated_description or "").strip() if found is not None else "")
        return cls(ref=model.ref, description=description,
                   official=extra.get("is_official") is True, run_count=model.run_count,
                   cover_image_url=model.cover_image_url, url=model.url,
                   visibility=model.visibility, latest_version=latest)

    def label(self) -> str:
        """One line for a picker: "owner/name · 1.2M runs · description"."""
        parts = [self.ref]
        if self.official:
            parts.append("official")
        if self.run_count:
            parts.append(f"{_count(self.run_count)} runs")
        if self.description:
            text = " ".join(self.description.split())
            parts.append(text if len(text) <= 90 else text[:89] + "…")
        return " · ".join(parts)


@dataclass(frozen=True, eq=False)  # compared (and hashed, by gr.State) as one object
class ModelSetup:
    """A model ready for its form: what to show, and which ref runs it."""

    card: ModelCard
    version: str  # the version whose schema the form is built from
    version_created: str | None
    run_ref: str  # "owner/name" for an official model asked for without a version
    form: InputForm
    output: OutputView
    schema: dict[str, Any]


_UNAVAILABLE = re.compile(r"\s*\(unavailable: .*\)$", re.DOTALL)


def read_ref(text: str) -> tuple[str, str | None]:
    """(owner/name, version or None) from what a person typed or pasted."""
    text = (text or "").strip()
    found = _REF.match(text) or _LINK.match(text)
    if found is None:
        shown = text[:60] + ("…" if len(text) > 60 else "")
        raise ModelProblem(
            f"“{shown}” is not a model name. A model is named by its owner and name, as "
            "Replicate writes it (for example stability-ai/sdxl): pick one from the list, or "
            "paste its replicate.com link.")
    return f"{found.group(1)}/{found.group(2)}", found.group(3)


async def find_model(client: AsyncClient, text: str, *, where: str = "this server",
                     token: str | None = None) -> ModelSetup:
    """The model named in `text`, with its form; `where` names the backend in messages."""
    ref, version_id = read_ref(text)
    try:
        model = await client.models.get(ref, token=token)
    except errors.NotFound:
        raise ModelProblem(f"There is no model {ref} on {where}, or it is private and this "
                           "token cannot see it. Check the spelling (owner/name).") from None
    except errors.APIError as exc:
        if exc.status == 403:
            raise ModelProblem(f"{ref} is private: this token may not use it (403).") from None
        raise
    card = ModelCard.of(model)
    version: Version | None
    if version_id:
        try:
            version = await client.models.versions.get(ref, version_id, token=token)
        except errors.NotFound:
            raise ModelProblem(f"{ref} has no version {version_id[:12]}… (it may have been "
                               "deleted). Leave the version out to use the latest.") from None
    else:
        version = model.latest_version
        if version is None:
            raise ModelProblem(f"{ref} has no published version yet, so there is nothing to "
                               "run.")
        if version.openapi_schema is None and version.id:  # some servers leave it out here
            try:
                version = await client.models.versions.get(ref, version.id, token=token)
            except errors.NotFound:
                pass  # then the form says the schema is missing
    try:
        form = form_from_schema(version.openapi_schema)
    except SchemaProblem as exc:
        raise ModelProblem(f"{ref}: {exc}") from None
    run_ref = ref if card.official and not version_id else f"{ref}:{version.id}"
    return ModelSetup(card=card, version=version.id, version_created=version.created_at,
                      run_ref=run_ref, form=form, output=output_view(version.openapi_schema),
                      schema=dict(version.openapi_schema or {}))


async def listed_models(client: AsyncClient, *, token: str | None = None,
                        pages: int = 3) -> AsyncIterator[Model]:
    """The backend's models, page by page (the first `pages`: Replicate lists every public
    model)."""
    cursor: str | None = None
    for _ in range(pages):
        page = await client.models.list(cursor, token=token)
        for model in page.results:
            yield model
        if not page.next or page.next == cursor:
            return
        cursor = page.next


async def list_models(client: AsyncClient, *, token: str | None = None,
                      pages: int = 3) -> list[ModelCard]:
    """The backend's models as cards, at most MAX_LISTED."""
    cards: dict[str, ModelCard] = {}
    async for model in listed_models(client, token=token, pages=pages):
        cards.setdefault(model.ref, ModelCard.of(model))
        if len(cards) >= MAX_LISTED:
            break
    return list(cards.values())[:MAX_LISTED]


# How a backend searches, best first: Replicate's `GET /v1/search`, its older `QUERY
# /v1/models`; a server without either (the engine answers 404, others 405) is searched here.
SEARCHES = ("search", "query")
_NO_SUCH_SEARCH = (400, 404, 405, 501)


async def search_models(client: AsyncClient, query: str, *, token: str | None = None,
                        listed: list[ModelCard] | None = None,
                        ways: list[str] | None = None) -> list[ModelCard]:
    """Models matching `query`, by the first of `ways` (default SEARCHES) the backend has; a
    way it lacks is dropped from `ways` (so a caller keeping the list asks only once), and
    with none left the listed models are filtered here."""
    query = " ".join(query.split())[:200]
    if not query:
        return list(listed or [])
    ways = ways if ways is not None else list(SEARCHES)
    for way in list(ways):
        try:
            if way == "search":
                found = await client.search(query, limit=50, token=token)
                return [ModelCard.of(hit.model, hit.metadata) for hit in found.models]
            page = await client.models.search(query, token=token)
            return [ModelCard.of(m) for m in page.results][:MAX_LISTED]
        except errors.APIError as exc:
            if exc.status not in _NO_SUCH_SEARCH:
                raise
            if way in ways:
                ways.remove(way)
    if listed is None:
        listed = await list_models(client, token=token)
    return rank(listed, query)


@dataclass(frozen=True)
class CollectionCard:
    slug: str
    name: str
    description: str = ""


async def collections(client: AsyncClient, *, token: str | None = None
                      ) -> list[CollectionCard]:
    page = await client.collections.list(token=token)
    return [CollectionCard(c.slug, c.name, (c.description or "").strip())
            for c in page.results]


async def collection_models(client: AsyncClient, slug: str, *, token: str | None = None
                            ) -> list[ModelCard]:
    if not re.fullmatch(r"[\w.-]{1,100}", slug):
        raise ModelProblem(f"“{slug[:40]}” is not a collection.")
    found = await client.collections.get(slug, token=token)
    return [ModelCard.of(m) for m in found.models or []]


def rank(cards: list[ModelCard], query: str) -> list[ModelCard]:
    """Cards matching every word of `query`: names starting with it first, then names
    containing it, then descriptions; the most-run first within each."""
    words = query.lower().split()

    def score(card: ModelCard) -> tuple[int, int] | None:
        name, text = card.ref.lower(), card.description.lower()
        if not all(w in name or w in text for w in words):
            return None
        joined = " ".join(words)
        tier = 0 if name.split("/", 1)[-1].startswith(joined) or name.startswith(joined) \
            else 1 if all(w in name for w in words) else 2
        return tier, -(card.run_count or 0)

    scored = [(s, card) for card in cards if (s := score(card)) is not None]
    return [card for _, card in sorted(scored, key=lambda pair: pair[0])]


def _first(ours: list[ModelCard], theirs: list[ModelCard]) -> list[ModelCard]:
    """`ours` then `theirs`, each model once."""
    seen = {card.ref for card in ours}
    return [*ours, *(card for card in theirs if card.ref not in seen)]


def _count(n: int) -> str:
    for size, unit in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + unit
    return str(n)


class Catalog:
    """The backend's models, as the Models tab and Compare ask for them (`Service.catalog`)."""

    def __init__(self, router: Router, covers: CoverImages) -> None:
        self._router = router
        self._client = router.main
        self._covers = covers
        # the backend, as messages name it: "Replicate", "this computer"
        self.where = router.server.where
        self._searches = list(SEARCHES)  # the ways this backend has shown it can search
        # demo mode's `[show] models`: the only models offered, found or run (None: all)
        self.allows: Callable[[str], bool] | None = None

    def _shown(self, cards: list[ModelCard]) -> list[ModelCard]:
        return cards if self.allows is None else [c for c in cards if self.allows(c.ref)]

    async def find_model(self, text: str, *, token: str | None = None) -> ModelSetup:
        """The model a person typed (owner/name[:version] or a replicate.com link), with its
        form; `ModelProblem` in plain words when it cannot be used."""
        ref = read_ref(text)[0]
        setup = await find_model(self._router.client_for(ref), text,
                                 where=self._router.where_for(ref), token=token or None)
        if self.allows is not None and not self.allows(setup.card.ref):
            raise ModelProblem(f"This demo does not show {setup.card.ref}: its host chose "
                               "which models it offers.")
        return setup

    async def _engine_cards(self) -> list[ModelCard]:
        """The `--cog` models on the engine beside the backend ([] without one, or when it
        cannot be asked: the backend's own list still shows)."""
        client = self._router.engine_client
        if client is None:
            return []
        try:
            cards = await list_models(client, pages=1)
        except errors.ReplicateError:
            return []
        return [card for card in cards if self._router.on_engine(card.ref)]

    async def list_models(self, *, token: str | None = None) -> list[ModelCard]:
        listed = await list_models(self._client, token=token or None)
        return self._shown(_first(await self._engine_cards(), listed))

    async def search_models(self, query: str, *, token: str | None = None,
                            listed: list[ModelCard] | None = None) -> list[ModelCard]:
        local = rank(await self._engine_cards(), " ".join(query.split())[:200])
        found = await search_models(self._client, query, token=token or None,
                                    listed=listed, ways=self._searches)
        return self._shown(_first(local, found))

    async def collections(self, *, token: str | None = None) -> list[CollectionCard]:
        return await collections(self._client, token=token or None)

    async def collection_models(self, slug: str, *, token: str | None = None
                                ) -> list[ModelCard]:
        return self._shown(await collection_models(self._client, slug, token=token or None))

    async def covers(self, cards: list[ModelCard]) -> list[str | None]:
        """Each card's cover as a local thumbnail the page may show, or None (no cover, or one
        that cannot be fetched safely: see playground.files.covers)."""
        found = await self._covers.thumbnails([c.cover_image_url for c in cards])
        return [str(path) if path is not None else None for path in found]
