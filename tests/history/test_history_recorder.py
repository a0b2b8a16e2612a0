"""The service side: pending runs, their records, and identical runs answered from the history."""

from __future__ import annotations

from pathlib import Path

import pytest
from hist_helpers import OWNER_A, OWNER_B, png, saved

from playground.history import InputFile, RunStore, Scope
from playground.history.recorder import INTERRUPTED, PendingRun, Recorder
from playground.history.runs import Caller, RunHistory
from playground.results import RunResult

URL = "http://127.0.0.1:8008"


@pytest.fixture
def recorder(store: RunStore) -> Recorder:
    return Recorder(RunHistory(store), backend_kind="local", backend_url=URL + "/",
                    estimate=lambda model, metrics: 0.5 * metrics.get("predict_time", 0))


def _result(out: Path, **fields: object) -> RunResult:
    base: dict[str, object] = {
        "prediction_id": "p1", "model": "local/real-esrgan", "version": None,
        "input": {}, "status": "succeeded", "output": ["http://x/o.png"], "files": [out],
        "local_output": [out], "logs": "ok", "metrics": {"predict_time": 0.2}}
    base.update(fields)
    return RunResult(**base)  # type: ignore[arg-type]


def test_a_deterministic_run_is_recorded_then_answered(recorder: Recorder,
                                                        outputs: Path) -> None:
    out = saved(outputs, png(), "7777777777777777.png")
    inputs = {"image": InputFile(png((1, 1, 1))), "scale": 2}
    me = Caller(OWNER_A, "upscale")
    pending = recorder.pending("upscale", "local/real-esrgan", inputs, deterministic=True,
                               caller=me)
    assert pending.key and pending.may_reuse and pending.caller == me
    assert recorder.cached(pending) is None  # nothing saved yet
    record = recorder.record(pending, _result(out))
    assert record is not None and record.tab == "upscale" and record.cost_usd == 0.1
    assert record.owner == OWNER_A
    again = recorder.pending("upscale", "local/real-esrgan",
                             {"image": InputFile(png((1, 1, 1))), "scale": 2},
                             deterministic=True, caller=me)
    hit = recorder.cached(again)
    assert hit is not None and hit.reused is not None and hit.reused.run_id == record.id
    assert hit.ok and hit.files == [out] and hit.output == [str(out)]
    assert hit.metrics["predict_time"] == 0.2 and hit.metrics["client_time"] < 5


def test_no_answer_for_another_browser_run_anyway_or_no_caller(recorder: Recorder,
                                                                outputs: Path) -> None:
    out = saved(outputs, png(), "8888888888888888.png")
    inputs = {"prompt": "a fox", "seed": 5}

    def pending(caller: Caller | None) -> PendingRun:
        return recorder.pending("image", "m/x:v", inputs, deterministic=False, caller=caller)

    recorder.record(pending(Caller(OWNER_A, "image")), _result(out, model="m/x", version="v"))
    assert recorder.cached(pending(Caller(OWNER_B, "image"))) is None
    assert recorder.cached(pending(Caller(OWNER_A, "image", reuse=False))) is None
    drawn = pending(Caller(OWNER_A, "image", seed_chosen=False))
    assert drawn.key and not drawn.may_reuse and recorder.cached(drawn) is None
    assert recorder.cached(pending(None)) is None
    assert recorder.cached(pending(Caller(OWNER_A, "image"))) is not None


def test_without_a_seed_a_random_model_is_never_answered(recorder: Recorder) -> None:
    pending = recorder.pending("chat", "local/smollm2", {"prompt": "hi"},
                               deterministic=False, caller=Caller(OWNER_A, "chat"))
    assert pending.key is None and not pending.may_reuse


def test_runs_without_a_caller_are_kept_but_no_browser_sees_them(recorder: Recorder,
                                                                  outputs: Path) -> None:
    out = saved(outputs, png(), "9999999999999999.png")
    record = recorder.record(recorder.pending("upscale", "local/real-esrgan", {"scale": 2},
                                              deterministic=True), _result(out))
    assert record is not None and record.owner.startswith("unclaimed-")
    assert record.tab == "upscale"
    store = recorder.history.store
    assert store.count(Scope.of(OWNER_A)) == 0 and store.count(Scope.shared()) == 1


def test_an_interrupted_run_is_kept_as_canceled(recorder: Recorder) -> None:
    pending = recorder.pending("chat", "local/smollm2:abc", {"prompt": "<long template>"},
                               deterministic=False, snippet="Tell me a story",
                               caller=Caller(OWNER_A, "chat"))
    record = recorder.interrupted(pending, "p9")
    assert record is not None
    assert (record.status, record.error, record.snippet) == ("canceled", INTERRUPTED,
                                                             "Tell me a story")
    assert (record.model, record.version, record.prediction_id) == ("local/smollm2", "abc", "p9")
    assert recorder.history.last(OWNER_A, "chat") == record


def test_a_failure_to_record_never_fails_the_run(recorder: Recorder, outputs: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full r8_" + "s" * 30)

    monkeypatch.setattr(recorder.history.store, "record", broken)
    out = saved(outputs, png(), "6666666666666666.png")
    assert recorder.record(recorder.pending("upscale", "r", {}, deterministic=True,
                                            caller=Caller(OWNER_A, "upscale")),
                           _result(out)) is None
    assert "OSError" in caplog.text and "r8_" not in caplog.text
