"""Run.execute, without a server: a canceled event leaves no task behind."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from playground.ui.runner import Run, RunPanel


class _Runs:
    def set(self, *args: Any) -> None:
        pass

    def pop(self, *args: Any) -> None:
        return None


async def test_closing_a_run_cancels_its_queue_getter() -> None:
    ctx = SimpleNamespace(runs=_Runs(), backend=SimpleNamespace(url="", is_local=True),
                          has_server_token=False)
    panel = RunPanel("status", "details", "logs")  # type: ignore[arg-type]
    run = Run(ctx, "upscale", panel, None, None)  # type: ignore[arg-type]
    release = asyncio.Event()

    async def call(token: str | None, on_update: Any) -> Any:
        await release.wait()  # a run that is still going when Stop is pressed

    updates = run.execute(call)
    await updates.__anext__()  # the "Sending" line
    pending = asyncio.ensure_future(updates.__anext__())
    await asyncio.sleep(0.05)  # now waiting on the queue getter and the call
    pending.cancel()  # what Gradio does to the event on Stop
    await asyncio.gather(pending, return_exceptions=True)
    await updates.aclose()
    await asyncio.sleep(0)
    left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert not [t for t in left if "Queue.get" in repr(t)], left
