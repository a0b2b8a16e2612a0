"""Work started and not awaited (a cancel after Stop, a retry notice): the event loop keeps only
a weak reference to a task, so one nobody holds can be collected before it runs to its end."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

_RUNNING: set[asyncio.Future[Any]] = set()


def in_background(work: Awaitable[Any]) -> asyncio.Future[Any]:
    """Runs `work` on the current loop, held here until it is done."""
    task = asyncio.ensure_future(work)
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return task


def running() -> int:
    """How many are still held (for tests)."""
    return len(_RUNNING)
