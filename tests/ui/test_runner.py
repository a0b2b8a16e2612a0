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


async def test_the_status_line_says_when_the_model_is_loading(tmp_path: Path) -> None:
    """On the local engine a run whose model is not loaded (first use, or unloaded after it sat
    unused) says "Loading the model…" while it loads, and how long that took once done."""
    from playground.engine.server import EngineThread
    from playground.ui.kit.runner import details_markdown
    from tests.engine.models import Weights

    model = Weights()
    model.load_gate.clear()  # the load waits until the status line has said it
    lines: list[str] = []
    with EngineThread([model], tmp_path / "engine", unload_after=0) as engine:
        service = Service(engine.url, data_dir=tmp_path / "data", backend="custom")
        run = Run(make_context(service, browser_secret="x" * 16), "models", None, None)
        try:
            async for step in run.steps(lambda token, on_update, caller: service.run_model(
                    "test/weights", {"prompt": "hi"}, token=token, on_update=on_update,
                    caller=caller)):
                lines.append(step.status or "")
                if "Loading the model…" in lines[-1]:
                    model.load_gate.set()
        finally:
            model.load_gate.set()
            await service.aclose()
    assert any("Loading the model…" in line for line in lines), lines
    assert run.result is not None and run.result.output == "hi: weights intact"
    assert "Loading the model took" in run.done_status()
    assert "**Loading the model**" in details_markdown(run.result)


def test_loading_is_said_only_while_the_last_log_line_says_it() -> None:
    from playground.ui.kit.status_text import status_line

    assert "Loading the model…" in status_line("starting", 1, None, "loading the model\n")
    assert "Loading the model…" in status_line(
        "processing", 1, None, "loading the model\nloading Whisper tiny.en (int8) from x\n")
    assert "Processing…" in status_line(
        "processing", 1, None, "loading the model\nthe model is loaded (0.40 s)\n")
    assert "Starting: the model is loading…" in status_line("starting", 1, None, "")
    assert "Processing 50%" in status_line("processing", 1, 0.5, "upscaling: 50%|#####|\n")
