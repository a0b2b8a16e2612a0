"""A model unused for the engine's unload time is unloaded, never while a prediction of it runs,
and the next prediction loads it again, saying so: over real HTTP, with a model that counts its
loads and unloads."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from playground.engine.runner import LOADING, UNLOAD_AFTER
from playground.engine.server import UNLOAD_ENV, unload_after_from_env

from .conftest import wait_status
from .models import Noop, Weights

UNLOAD = 0.3  # seconds unused before a model is unloaded: short, for the tests


class OtherWeights(Weights):
    name = "other-weights"


def until(condition: Callable[[], bool], timeout: float = 30) -> bool:
    """Polls `condition` until it holds (the timeout only stops a broken test hanging)."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def run(client: httpx.Client, model: str, **values: Any) -> dict[str, Any]:
    pred: dict[str, Any] = client.post(f"/v1/models/test/{model}/predictions",
                                       json={"input": values},
                                       headers={"Prefer": "wait=30"}).json()
    return wait_status(client, pred["id"], ("succeeded", "failed", "canceled"))


def create(client: httpx.Client, model: str, **values: Any) -> dict[str, Any]:
    r = client.post(f"/v1/models/test/{model}/predictions", json={"input": values})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_an_unused_model_is_unloaded_and_the_next_run_loads_it_again(make_engine: Any) -> None:
    model = Weights()
    engine = make_engine(models=[model], unload_after=UNLOAD)
    with httpx.Client(base_url=engine.url, timeout=60) as client:
        first = run(client, "weights", prompt="a")
        assert first["status"] == "succeeded" and first["output"] == "a: weights intact"
        assert first["logs"].startswith(f"{LOADING}\nloading test weights\n")
        assert "the model is loaded" in first["logs"]
        # the load is counted apart from the prediction
        assert {"load_time", "predict_time", "total_time"} <= set(first["metrics"])

        assert until(lambda: model.unloads == 1)
        assert model.weights is None  # dropped: the memory can go back to the system

        second = run(client, "weights", prompt="b")
        assert second["status"] == "succeeded" and second["output"] == "b: weights intact"
        assert second["logs"].startswith(f"{LOADING}\n")
        assert "load_time" in second["metrics"]
        assert model.loads == 2
        assert until(lambda: model.unloads == 2)


def test_an_unload_never_interrupts_a_running_prediction(make_engine: Any) -> None:
    busy, idle = Weights(), OtherWeights()
    engine = make_engine(models=[busy, idle], unload_after=UNLOAD)
    with httpx.Client(base_url=engine.url, timeout=60) as client:
        assert run(client, "weights")["status"] == "succeeded"
        held = create(client, "weights", prompt="held", hold=True)
        assert until(busy.running.is_set)
        unloads_before = busy.unloads  # a slow machine may have unloaded it before the hold
        # The other model, used after `busy` was last idle, is unloaded while `held` runs:
        # the unloader has passed `busy` (unused for longer) and left it loaded.
        assert run(client, "other-weights")["status"] == "succeeded"
        assert until(lambda: idle.unloads == 1)
        assert busy.unloads == unloads_before and busy.weights is not None
        assert client.get(f"/v1/predictions/{held['id']}").json()["status"] == "processing"

        busy.release.set()
        done = wait_status(client, held["id"], ("succeeded", "failed", "canceled"))
        assert done["status"] == "succeeded", done["error"]
        assert done["output"] == "held: weights intact"
        assert until(lambda: busy.unloads == unloads_before + 1)  # idle now: it goes


def test_a_prediction_stays_starting_while_its_model_loads(make_engine: Any) -> None:
    model = Weights()
    model.load_gate.clear()
    engine = make_engine(models=[model], unload_after=UNLOAD)
    with httpx.Client(base_url=engine.url, timeout=60) as client:
        pred = create(client, "weights", prompt="x")
        seen: dict[str, Any] = {}

        def loading() -> bool:
            seen.update(client.get(f"/v1/predictions/{pred['id']}").json())
            return "loading test weights" in (seen.get("logs") or "")

        assert until(loading)
        # as a cold boot on Replicate: not yet processing, its logs saying what happens
        assert seen["status"] == "starting" and seen.get("started_at") is None
        assert seen["logs"].startswith(f"{LOADING}\n")
        listed = client.get("/v1/predictions").json()["results"]
        assert [p["id"] for p in listed] == [pred["id"]]  # listed while it loads

        model.load_gate.set()
        done = wait_status(client, pred["id"], ("succeeded", "failed", "canceled"))
        assert done["status"] == "succeeded" and done.get("started_at") is not None
        assert "load_time" in done["metrics"] and "predict_time" in done["metrics"]


def test_a_model_that_cannot_unload_yet_stays_loaded(make_engine: Any) -> None:
    model = Weights()
    model.refuse_unload = True  # e.g. llama.cpp still finishing a generation given up on
    engine = make_engine(models=[model], unload_after=UNLOAD)
    entry = engine.app.state.engine.models["test/weights"]
    with httpx.Client(base_url=engine.url, timeout=60) as client:
        assert run(client, "weights")["status"] == "succeeded"
        assert until(lambda: model.unload_calls >= 1)  # asked, past the unload time
        assert entry.loaded and model.weights is not None and model.unloads == 0
        again = run(client, "weights", prompt="again")
        assert again["output"] == "again: weights intact" and LOADING not in again["logs"]
        assert model.loads == 1

        model.refuse_unload = False
        assert until(lambda: model.unloads == 1)  # asked again later
        assert not entry.loaded


def test_zero_never_unloads(make_engine: Any) -> None:
    model = Weights()
    engine = make_engine(models=[model], unload_after=0)
    runner = engine.app.state.engine.runner
    with httpx.Client(base_url=engine.url, timeout=60) as client:
        assert run(client, "weights")["status"] == "succeeded"
        time.sleep(UNLOAD * 3)
        assert runner._unloader is None and model.unloads == 0
        assert LOADING not in run(client, "weights")["logs"]


def test_a_model_without_a_load_of_its_own_says_nothing_of_loading(make_engine: Any) -> None:
    engine = make_engine(models=[Noop()], unload_after=UNLOAD)
    with httpx.Client(base_url=engine.url, timeout=60) as client:
        first = run(client, "noop")
        assert first["status"] == "succeeded" and not first["logs"]
        assert set(first["metrics"]) == {"predict_time", "total_time"}


def test_the_unload_time_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UNLOAD_ENV, raising=False)
    assert unload_after_from_env() == UNLOAD_AFTER == 600
    for value, seconds in (("0", 0.0), ("2.5", 2.5), (" 30 ", 30.0)):
        monkeypatch.setenv(UNLOAD_ENV, value)
        assert unload_after_from_env() == seconds
    for bad in ("ten", "-1", "nan", "inf"):
        monkeypatch.setenv(UNLOAD_ENV, bad)
        with pytest.raises(SystemExit, match=UNLOAD_ENV):
            unload_after_from_env()
