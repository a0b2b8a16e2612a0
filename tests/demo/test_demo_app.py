"""Demo mode through the real app on the engine (`playground --backend URL --demo FILE`), each
visitor a gradio_client session: the limits hold on the server, and each refusal is words."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client, handle_file

from .conftest import DemoApp, picture

pytestmark = pytest.mark.models

ROOM = """
[limits]
runs_per_visitor_per_hour = 2
[show]
tabs = ["chat", "upscale", "background", "compare"]
models = ["local/*"]
"""


def predictions(engine_url: str, model: str) -> list[dict[str, Any]]:
    results = httpx.get(f"{engine_url}/v1/predictions", timeout=10).json()["results"]
    return [p for p in results if p.get("model") == model]


def upscale(client: Client, image: Path, scale: int = 2) -> Any:
    return client.submit(handle_file(str(image)), scale, False, None, "full", None,
                         api_name="/upscale")


def wait_for(check: Any, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.2)
    raise AssertionError("the condition was never met")


def texts(job: Any) -> str:
    return "\n".join(str(o) for o in job.outputs())


def test_a_visitor_s_third_upscale_in_the_hour_is_refused_in_words(
        make_demo_app: Any, tmp_path: Path) -> None:
    app: DemoApp = make_demo_app(ROOM)
    before = len(predictions(app.engine_url, "local/real-esrgan"))
    visitor = Client(app.url, verbose=False, download_files=str(tmp_path))
    for shade in (10, 20):
        result = upscale(visitor, picture(tmp_path, shade)).result()
        assert "Done" in result[2]
    with pytest.raises(Exception) as refused:
        upscale(visitor, picture(tmp_path, 30)).result()
    said = str(refused.value)
    assert "This demo allows 2 runs per visitor per hour" in said
    assert "Try again in 60 minutes" in said and "Traceback" not in said
    # the refused run cost nothing: the engine received two predictions
    assert len(predictions(app.engine_url, "local/real-esrgan")) == before + 2
    # the same picture again is answered from the history: it does not count
    again = upscale(visitor, picture(tmp_path, 10)).result()
    assert "From history" in again[2]
    # another visitor has their own two
    other = Client(app.url, verbose=False, download_files=str(tmp_path))
    assert "Done" in upscale(other, picture(tmp_path, 40)).result()[2]


def test_only_the_tabs_on_show_are_in_the_page(make_demo_app: Any) -> None:
    app: DemoApp = make_demo_app(ROOM)
    config = httpx.get(f"{app.url}config", timeout=10).json()
    ids = {c.get("props", {}).get("elem_id") for c in config["components"]}
    assert {"chat-tab", "upscale-tab", "background-tab", "compare-tab"} <= ids
    assert not ids & {"image-tab", "transcribe-tab", "faces-tab", "models-tab", "history-tab"}
    names = {d.get("api_name") for d in config["dependencies"]}
    assert "upscale" in names and "transcribe" not in names and "image" not in names


def test_a_run_waits_in_a_line_it_can_see_and_leave(make_demo_app: Any, tmp_path: Path,
                                                    ) -> None:
    app: DemoApp = make_demo_app("[limits]\nconcurrent_runs = 1\n"
                                 "[show]\ntabs = [\"upscale\"]\n")
    before = len(predictions(app.engine_url, "local/real-esrgan"))
    first, second, third = (Client(app.url, verbose=False, download_files=str(tmp_path))
                            for _ in range(3))
    # 512 px at 4x: several seconds on the CPU
    running = upscale(first, picture(tmp_path, 50, side=512), scale=4)
    wait_for(lambda: "Starting" in texts(running) or "Processing" in texts(running))
    waiting = upscale(second, picture(tmp_path, 60))
    wait_for(lambda: "You are 1st in line, about" in texts(waiting))
    leaving = upscale(third, picture(tmp_path, 70))
    wait_for(lambda: "You are 2nd in line, about" in texts(leaving))
    leaving.cancel()  # Cancel while waiting: its place is given up
    assert "Done" in running.result()[2]
    assert "Done" in waiting.result()[2]
    made = predictions(app.engine_url, "local/real-esrgan")
    assert len(made) == before + 2  # the one that left never reached the engine
    assert app.service.gate.stats().waiting == 0


def test_a_run_past_the_longest_allowed_is_stopped_and_said(make_demo_app: Any) -> None:
    app: DemoApp = make_demo_app("[limits]\nmax_run_seconds = 1\n[show]\ntabs = [\"chat\"]\n")
    visitor = Client(app.url, verbose=False)
    job = visitor.submit("Write a very long story about a dragon who learns to cook.",
                         "You are a storyteller.", 1024, 0.7, 0.9, None, None,
                         api_name="/chat")
    with pytest.raises(Exception) as stopped:  # noqa: B017 - an API caller gets the error
        job.result()
    said = texts(job) + str(stopped.value)  # the page's status line, and the API's error
    assert "did not finish within 1 s and was stopped" in said, said[-500:]
    prediction = wait_for(lambda: [p for p in predictions(app.engine_url,
                                                          "local/smollm2-135m-instruct")
                                   if p["status"] in ("canceled", "failed")])
    assert prediction


def test_the_host_view_shows_the_spend_and_the_cap_stops_runs(make_demo_app: Any) -> None:
    """A server with the owner's token (a custom backend: what runs is priced)."""
    import asyncio

    from playground.compare.prices import PriceTable
    from playground.service import Caller

    table = PriceTable(hardware={"cpu": 0.5}, models={"local/*": "cpu"})
    app: DemoApp = make_demo_app("[limits]\nspend_cap_usd = 0.000001\n"
                                 "[show]\ntabs = [\"models\"]\nmodels = [\"local/*\"]\n",
                                 token="the-owner-s-token", backend="custom", prices=table)
    caller = Caller("a-visitor", "models", reuse=False)
    result = asyncio.run(app.service.run_model("local/smollm2-135m-instruct",
                                               {"prompt": "Hi", "max_tokens": 4},
                                               caller=caller))
    assert result.ok
    host = Client(app.url, verbose=False)  # on this computer: the host
    stats = host.predict(api_name="/host_stats")
    assert "Estimated spend" in stats and "of $0.00" in stats
    spent = app.service.gate.stats().spent_usd
    assert spent == pytest.approx(result.metrics["predict_time"] * 0.5)
    from playground.service.errors import RunRefused

    with pytest.raises(RunRefused, match="used its budget"):
        asyncio.run(app.service.run_model("local/smollm2-135m-instruct", {"prompt": "Hello"},
                                          caller=caller))
    # a model not on show is refused even when asked for by name
    with pytest.raises(RunRefused, match="runs only these models"):
        asyncio.run(app.service.run_model("other/model", {}, caller=caller))


def test_the_host_changes_the_limits_live_and_a_bad_value_changes_nothing(
        make_demo_app: Any, tmp_path: Path) -> None:
    app: DemoApp = make_demo_app("[limits]\nruns_per_visitor_per_hour = 5\n"
                                 "[show]\ntabs = [\"upscale\"]\n")
    host = Client(app.url, verbose=False)  # a browser on this computer is the host's
    said, stats = host.predict(1, None, 0, 4, 50, 0, 0, api_name="/host_limits")
    assert "Changed" in said and "runs in the last hour" in stats
    assert app.service.gate.limits.runs_per_visitor_per_hour == 1
    assert app.service.gate.limits.max_waiting == 50
    visitor = Client(app.url, verbose=False, download_files=str(tmp_path))
    assert "Done" in upscale(visitor, picture(tmp_path, 80)).result()[2]
    with pytest.raises(Exception, match="1 run per visitor per hour"):
        upscale(visitor, picture(tmp_path, 81)).result()
    with pytest.raises(Exception, match="less than minimum value 0"):
        host.predict(-3, None, 0, 4, 50, 0, 0, api_name="/host_limits")
    said, _ = host.predict(1, None, 0, 4, 50, 10**12, 0, api_name="/host_limits")
    assert "Not changed" in said and "spend_cap_usd is too large" in said
    assert app.service.gate.limits.runs_per_visitor_per_hour == 1
    assert app.service.gate.limits.spend_cap_usd == 0
    # Pause all: a new run is refused in words; Resume lets it through
    host.predict(api_name="/host_pause")
    with pytest.raises(Exception, match="paused the demo"):
        upscale(Client(app.url, verbose=False), picture(tmp_path, 82)).result()
    host.predict(api_name="/host_resume")
    assert "Done" in upscale(Client(app.url, verbose=False, download_files=str(tmp_path)),
                             picture(tmp_path, 83)).result()[2]


def test_every_waiting_run_is_in_the_room_s_line_past_gradio_s_40_workers(
        make_demo_app: Any, tmp_path: Path) -> None:
    """Gradio runs 40 events at once by default; a run waiting in the gate holds one, so the
    41st and later waited in Gradio's own queue, out of the line: not told their place in it,
    not counted by max_waiting (the room never full)."""
    import asyncio

    from playground.service import Visitor

    app: DemoApp = make_demo_app("[limits]\nconcurrent_runs = 1\n[show]\ntabs = [\"upscale\"]\n")
    gate = app.service.gate
    held = asyncio.run(gate.enter(Visitor("the-test"), "local/real-esrgan", owner_token=False))
    visitor = Client(app.url, verbose=False, download_files=str(tmp_path), max_workers=60)
    jobs = [upscale(visitor, picture(tmp_path, shade, side=16)) for shade in range(50)]
    try:
        wait_for(lambda: gate.stats().waiting == 50)
    finally:
        held.finished(None, {})
    assert all("Done" in job.result()[2] for job in jobs)
    assert any("You are 50th in line, about" in texts(job) for job in jobs)
