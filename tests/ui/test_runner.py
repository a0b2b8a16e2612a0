"""Run.execute, without a server: a canceled event leaves no task behind."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from playground.service import Service
from playground.ui.context import make_context
from playground.ui.kit.runner import Run


async def test_closing_a_run_cancels_its_queue_getter(tmp_path: Path) -> None:
    ctx = make_context(Service("http://127.0.0.1:9", data_dir=tmp_path), browser_secret="x" * 16)
    run = Run(ctx, "upscale", None, None)
    release = asyncio.Event()

    async def call(token: str | None, on_update: Any, caller: Any) -> Any:
        await release.wait()  # a run that is still going when Stop is pressed

    updates = run.steps(call)
    await updates.__anext__()  # the "Sending" line
    pending = asyncio.ensure_future(updates.__anext__())
    await asyncio.sleep(0.05)  # now waiting on the queue getter and the call
    pending.cancel()  # what Gradio does to the event on Stop
    await asyncio.gather(pending, return_exceptions=True)
    await updates.aclose()
    await asyncio.sleep(0)
    left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert not [t for t in left if "Queue.get" in repr(t)], left
