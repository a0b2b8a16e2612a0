"""Stop in the Compare tab, through its API with gradio_client on the embedded engine: the
round is canceled, and then every pane shows its final state and the summary counts the round."""

from __future__ import annotations

import time
from typing import Any

import pytest
from gradio_client import Client

pytestmark = [pytest.mark.models, pytest.mark.timeout(600)]

CHAT = "local/smollm2-135m-instruct"
STORY = "Write a very long story about a lighthouse keeper, with many chapters and details."


def _heads(outputs: list[object]) -> list[str]:
    return [v for v in outputs if isinstance(v, str) and v.startswith("**")]


def _quick_done_long_writing(compare_app: str) -> tuple[Client, Any]:
    """A round of two chat entries, once the quick one has finished and the long one is
    still writing."""
    client = Client(compare_app, verbose=False)
    job = client.submit(
        "chat", CHAT, CHAT, None, None, '{"max_tokens": 3}', '{"max_tokens": 2000}', "", "",
        STORY, None, None, 7, "", None, api_name="/compare")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        seen = job.outputs()
        heads = _heads(seen[-1]) if seen else []
        if heads and "succeeded" in heads[0] and "processing" in heads[1]:
            return client, job
        assert not job.done(), "the long entry finished before it could be stopped"
        time.sleep(0.2)
    pytest.fail("the quick entry never finished")


def test_stop_settles_every_pane(compare_app: str) -> None:
    client, job = _quick_done_long_writing(compare_app)
    job.cancel()
    out = client.predict(None, api_name="/compare_stop")
    status, summary, heads = out[0], out[1], _heads(out)
    # counted as the panes show it: the stopped entry is not counted as succeeded
    assert "Stopped" in status, status
    assert "Round 1: 1 of 2 finished before the stop; 1 stopped." in status, status
    assert "<span class='pill ok'>succeeded</span>" in heads[0], heads
    assert "<span class='pill stop'>stopped</span>" in heads[1], heads
    assert "Stopped before it finished." in heads[1] and "Error" not in heads[1], heads
    texts = [v["value"] for v in out if isinstance(v, dict) and isinstance(v.get("value"), str)]
    assert texts[0], out  # the finished entry keeps its answer
    # the summary counts the stopped round: one run each, one of them succeeded
    assert "| local/smollm2-135m-instruct (max_tokens=3) | 1 | 1 |" in summary, summary
    assert "| local/smollm2-135m-instruct (max_tokens=2000) | 1 | 0 |" in summary, summary
    # the round's notes word it as the status line and the pane do
    assert "(max_tokens=2000) did not finish (stopped)." in summary, summary
    assert "canceled" not in summary, summary


def test_stop_stops_a_round_whose_cancel_never_came(compare_app: str) -> None:
    """A browser's cancel may not reach the round (the walk's case: the summary said 2 of 2
    succeeded while a pane still said processing): Stop itself stops the entries."""
    client, job = _quick_done_long_writing(compare_app)
    out = client.predict(None, api_name="/compare_stop")  # no job.cancel(): Stop alone
    status, heads = out[0], _heads(out)
    assert "Round 1: 1 of 2 finished before the stop; 1 stopped." in status, status
    assert "<span class='pill stop'>stopped</span>" in heads[1], heads
    job.result(timeout=60)  # the round's own updates end too, and have no later word
    assert not any("succeeded." in str(o[0]) for o in job.outputs()[1:] if o), job.outputs()


async def test_settle_shows_a_run_that_finished_before_the_stop(
        service: object, runner: object, tiny_image: object) -> None:
    """The audit's case: the engine had finished the prediction, the pane still said starting."""
    from playground.compare import Runner
    from playground.compare.session import Run, resolve_name

    assert isinstance(runner, Runner)
    done = await service.run_model("local/rembg", {"image": tiny_image})  # type: ignore[attr-defined]
    late = Run(round=1, entry=0, status="starting", prediction_id=done.prediction_id)
    never = Run(round=1, entry=1, status="queued")
    await runner.settle([late, never])
    assert late.status == "succeeded" and late.error is None
    assert late.files and resolve_name(late.files[0]).is_file()
    assert late.metrics.get("predict_time") is not None and late.cost_usd is not None
    assert never.status == "canceled"
