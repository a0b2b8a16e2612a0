"""Fixtures for the client tests: fast retries and a client factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from client_helpers import TOKEN

from playground.replicate import AsyncClient, Retries


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the client asked for between retries (recorded instead of slept)."""
    return []


@pytest.fixture
def retries(sleeps: list[float]) -> Retries:
    async def record(seconds: float) -> None:
        sleeps.append(seconds)

    return Retries(sleep=record)


@pytest.fixture
async def make_client(retries: Retries) -> AsyncIterator[Callable[..., AsyncClient]]:
    clients: list[AsyncClient] = []

    def make(base_url: str, token: str | None = TOKEN, **kwargs: object) -> AsyncClient:
        kwargs.setdefault("retries", retries)
        client = AsyncClient(token=token, base_url=base_url, **kwargs)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
