"""The local engine's models as the page names them, read from the engine's own model list.

The engine lists each model with a `playground` object (its short title, the one thing it
cannot do, the cloud model it stands in for, whether it can run now). The page reads it from
there once, when it is built, so no second copy of the engine's models lives in the UI.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from playground.replicate import AsyncClient, errors
from playground.replicate.types import Model

from .catalog import listed_models

log = logging.getLogger("playground.service")
_PAGES = 3  # the engine lists its handful of models on one page


@dataclass(frozen=True)
class LocalModel:
    """One engine model: what the page calls it, and what it cannot do."""

    ref: str
    title: str
    caveat: str = ""
    stands_in_for: str | None = None
    available: bool = True

    @classmethod
    def of(cls, model: Model) -> LocalModel | None:
        """None for a model listed without the playground's fields (another server's)."""
        extra = (model.model_extra or {}).get("playground")
        if not isinstance(extra, dict):
            return None
        title, caveat = extra.get("title"), extra.get("caveat")
        stands_in = extra.get("stands_in_for")
        return cls(ref=model.ref,
                   title=title if isinstance(title, str) and title else model.name,
                   caveat=caveat if isinstance(caveat, str) else "",
                   stands_in_for=stands_in if isinstance(stands_in, str) else None,
                   available=extra.get("available") is not False)


async def _fetch(base_url: str, token: str, transport: Any) -> dict[str, LocalModel]:
    # A client of its own, closed here: the service's client belongs to the app's event loop.
    async with AsyncClient(token=token, base_url=base_url, transport=transport) as client:
        found: dict[str, LocalModel] = {}
        async for model in listed_models(client, pages=_PAGES):
            local = LocalModel.of(model)
            if local is not None:
                found[local.ref] = local
        return found


def fetch_local_models(base_url: str, token: str = "", transport: Any = None
                       ) -> dict[str, LocalModel]:
    """The engine's models by ref; {} (logged) when the engine cannot be asked.

    Called while the page is built, which may already be inside an event loop: the request
    runs on a thread with a loop of its own.
    """
    with ThreadPoolExecutor(1) as pool:
        try:
            return pool.submit(asyncio.run, _fetch(base_url, token, transport)).result()
        except (errors.ReplicateError, httpx.HTTPError, OSError) as exc:
            log.warning("the engine's model list is unavailable: %s", exc)
            return {}
