"""Whose run it is, and which of its inputs are secret, travel with the run as arguments
(`caller=`, `secret_inputs=`), never in the task's context: runs started at once from one task,
for different browsers, are each recorded for their own caller, with their own secrets."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from svc_helpers import image_bytes, wav_bytes
from svc_models import fake_models, fake_presets

from playground.engine.server import EngineThread
from playground.history import RunStore, Scope
from playground.history.redact import SECRET
from playground.results import RunUpdate
from playground.service import REDACTED, Caller, RunHistory, Service

A = "explicit-runs-owner-0001"
B = "explicit-runs-owner-0002"
PLAYGROUND = Path(__file__).parents[2] / "playground"


@pytest.fixture
def engine(tmp_path: Path):
    thread = EngineThread(fake_models(), tmp_path / "engine").start()
    yield thread
    thread.stop()


@pytest.fixture
async def service(engine: EngineThread, tmp_path: Path) -> AsyncIterator[Service]:
    store = RunStore(tmp_path / "data")
    presets = fake_presets()  # the upscale made deterministic: an identical run may answer
    presets["up"] = presets["up"].model_copy(update={"deterministic": True})
    svc = Service(engine.url, data_dir=tmp_path / "data", presets=presets,
                  history=RunHistory(store))
    yield svc
    await svc.aclose()
    store.close()


async def test_runs_started_at_once_from_one_task_are_each_their_callers(
        service: Service) -> None:
    picture = image_bytes("PNG", (32, 24))
    b_started = asyncio.Event()

    async def a_update(update: RunUpdate) -> None:
        # A's run waits for B's to be on the backend: the two are surely in flight together
        await asyncio.wait_for(b_started.wait(), 30)

    def b_update(update: RunUpdate) -> None:
        if update.prediction_id:
            b_started.set()

    mine, theirs, nobodys = await asyncio.gather(  # one task starts all three
        service.upscale(picture, scale=2, steps=2, delay=0.1, on_update=a_update,
                        caller=Caller(A, "upscale")),
        service.run_model("local/fake-upscale", {"image": picture, "scale": 3, "steps": 2},
                          on_update=b_update, caller=Caller(B, "compare", reuse=False),
                          secret_inputs=["steps"]),
        service.transcribe(wav_bytes()))  # a script's run: nobody's
    assert mine.ok and theirs.ok and nobodys.ok, (mine.error, theirs.error, nobodys.error)

    history = service.history
    assert history is not None
    [a_run] = history.page(A).runs
    [b_run] = history.page(B).runs
    assert (a_run.owner, a_run.tab, a_run.task, a_run.prediction_id) == (
        A, "upscale", "upscale", mine.prediction_id)
    assert (b_run.owner, b_run.tab, b_run.task, b_run.prediction_id) == (
        B, "compare", "model", theirs.prediction_id)
    # the secret input is B's run's alone: blanked in its result and record, not in A's
    assert theirs.input["steps"] == REDACTED and b_run.inputs["steps"] == SECRET
    assert mine.input["steps"] == 2 and a_run.inputs["steps"] == 2
    # the third run is kept for nobody: only the shared history shows it
    store: RunStore = history.store
    assert store.count(Scope.shared()) == 3
    [unclaimed] = [r for r in store.page(Scope.shared()).runs
                   if r.prediction_id == nobodys.prediction_id]
    assert unclaimed.owner.startswith("unclaimed-") and unclaimed.tab == "transcribe"

    # an identical run answers A from A's own history, and never B
    again = await service.upscale(picture, scale=2, steps=2, delay=0.1,
                                  caller=Caller(A, "upscale"))
    assert again.reused is not None and again.reused.run_id == a_run.id
    other = await service.upscale(picture, scale=2, steps=2, delay=0.1,
                                  caller=Caller(B, "upscale"))
    assert other.reused is None and other.ok
    assert [r.prediction_id for r in history.page(B).runs] == [other.prediction_id,
                                                               theirs.prediction_id]


async def test_no_caller_means_no_answer_from_the_history(service: Service) -> None:
    """A run without a caller is recorded, and never answered from anyone's history."""
    picture = image_bytes("PNG", (20, 20))
    first = await service.upscale(picture, scale=2, steps=1, caller=Caller(A, "upscale"))
    again = await service.upscale(picture, scale=2, steps=1)
    assert first.ok and again.ok and again.reused is None
    assert again.prediction_id != first.prediction_id


@pytest.mark.parametrize("part", ["service", "history", "ui", "compare"])
def test_no_context_variable_carries_a_run(part: str) -> None:
    """The run's arguments are arguments: no `ContextVar` in the parts a run goes through.
    (The client's `retry_listener` in playground/replicate is a listener, like httpx's event
    hooks, and stays.)"""
    found = [f"{path.relative_to(PLAYGROUND)}:{n}"
             for path in sorted((PLAYGROUND / part).rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\bContextVar\b|\bcontextvars\b", line)]
    assert found == []


def test_the_context_helpers_are_gone() -> None:
    import playground.history.recorder as recorder
    import playground.service as service
    import playground.service.secrets as secrets

    for module, names in ((service, ("calling", "claim")),
                          (recorder, ("calling", "claim", "current_caller")),
                          (secrets, ("hidden", "current"))):
        assert not [n for n in names if hasattr(module, n)], module.__name__
