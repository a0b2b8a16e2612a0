"""Which server a run goes to: the main backend, or the embedded engine for the `--cog` models.

`playground --cog DIR` with a Replicate token runs the app on Replicate and starts the engine
for the Cog predictors only, so a model author can compare their `local/<name>` with the
published model. The `Router` is the one place that decides: a ref whose model is one of the
engine's names (`local/<name>`, known at start), and a prediction the router saw created there,
go to the engine's client; everything else to the main backend's. Without an engine every call
goes to the main backend, as before.

The engine's client never carries a visitor's Replicate token (`per_call_tokens=False`), its
uploads are always data URIs (no Files API upload of the author's files to Replicate, nor to
the engine), and its origin is trusted for output downloads (it is the app's own).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from playground.files import Uploader
from playground.replicate import AsyncClient

from .backend import Backend

# Prediction ids remembered as the engine's: enough for every run a page can still ask about
# (a Stop, a look at one that finished), bounded so a long session cannot grow it forever.
REMEMBERED = 1000


@dataclass(frozen=True)
class EngineModels:
    """The embedded engine beside another backend, and the models that run on it (names as
    `local/<name>`)."""

    url: str
    names: frozenset[str]

    @classmethod
    def of(cls, url: str, names: Iterable[str]) -> EngineModels:
        return cls(url.rstrip("/"), frozenset(n.lower() for n in names))


class Router:
    """The main backend's client, and the engine's for its models (see the module's words)."""

    def __init__(self, main: AsyncClient, server: Backend, engine: EngineModels | None = None,
                 *, transport: Any = None) -> None:
        self.main, self.server, self.engine = main, server, engine
        self._engine_client = None if engine is None else AsyncClient(
            token="", base_url=engine.url, transport=transport, per_call_tokens=False)
        self._engine_server = None if engine is None else Backend("local", engine.url)
        self._engine_ids: OrderedDict[str, None] = OrderedDict()
        self.main_uploader = Uploader(main)
        # the engine's files go inline, never through a Files API (files_api=False)
        self._engine_uploader = Uploader(None)

    @property
    def engine_client(self) -> AsyncClient | None:
        return self._engine_client

    def on_engine(self, ref: str) -> bool:
        """Whether `ref` (`owner/name[:version]`) is one of the engine's models."""
        return self.engine is not None and \
            ref.partition(":")[0].strip().lower() in self.engine.names

    def client_for(self, ref: str) -> AsyncClient:
        if self._engine_client is not None and self.on_engine(ref):
            return self._engine_client
        return self.main

    def server_for(self, ref: str) -> Backend:
        """The backend `ref` runs on (what the history records, and messages name)."""
        if self._engine_server is not None and self.on_engine(ref):
            return self._engine_server
        return self.server

    def uploader_for(self, ref: str) -> Uploader:
        return self._engine_uploader if self.on_engine(ref) else self.main_uploader

    def remember(self, client: AsyncClient, prediction_id: str | None) -> None:
        """A prediction created by `client`: when it is the engine's, later gets and cancels
        of that id go there too."""
        if client is self.main or self._engine_client is None or not prediction_id:
            return
        self._engine_ids[prediction_id] = None
        self._engine_ids.move_to_end(prediction_id)
        while len(self._engine_ids) > REMEMBERED:
            self._engine_ids.popitem(last=False)

    def client_for_prediction(self, prediction_id: str) -> AsyncClient:
        if self._engine_client is not None and prediction_id in self._engine_ids:
            return self._engine_client
        return self.main

    def trusted_origins(self) -> list[str]:
        """The engine's origin: its output files are the app's own."""
        return [self.engine.url] if self.engine is not None else []

    def where_for(self, ref: str) -> str:
        return self.server_for(ref).where

    async def aclose(self) -> None:
        await self.main.aclose()
        if self._engine_client is not None:
            await self._engine_client.aclose()
