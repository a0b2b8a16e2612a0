"""Work started and not awaited is held until it ends (a task nobody holds may be collected)."""

from __future__ import annotations

import asyncio
import gc

from playground.background import in_background, running


async def test_a_task_left_to_itself_runs_to_its_end() -> None:
    finished = asyncio.Event()

    async def slow() -> None:
        for _ in range(3):
            await asyncio.sleep(0)
            gc.collect()  # the loop holds tasks weakly: only our reference keeps this one
        finished.set()

    before = running()
    in_background(slow())
    assert running() == before + 1
    await asyncio.wait_for(finished.wait(), 5)
    await asyncio.sleep(0)
    assert running() == before
