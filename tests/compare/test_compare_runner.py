"""The runner's scheduling: capped concurrency, failure isolation, streaming panes, cancel.

These drive `Runner` with a small in-process backend (scheduling is what is under test here; the
end-to-end tests run the same code against the embedded engine).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from playground.compare import CompareSession, Entry, PriceTable, Runner
from playground.results import RunResult, RunUpdate


def result(pid: str, ref: str, input: dict[str, Any], *, output: Any = None,
           status: str = "succeeded", error: str | None = None) -> RunResult:
    return RunResult(pid, ref.split(":")[0], "v1", input, status, output=output, error=error,
                     metrics={"predict_time": 2.0, "total_time": 3.0})


class FakeBackend:
    def __init__(self, accepts: set[str] | None = None) -> None:
        self.active = 0
        self.peak = 0
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.canceled: list[str] = []
        self.accepts = accepts
        self.release = asyncio.Event()

    async def resolve(self, ref: str, shared: dict[str, Any], overrides: dict[str, Any], *,
                      token: str | None):
        if ref.startswith("preset:"):
            ref, shared = "local/preset-model", {"steps": 1, **shared}
        if self.accepts is not None:
            shared = {k: v for k, v in shared.items() if k in self.accepts}
        return ref, {**shared, **overrides}

    async def run(self, ref: str, input: dict[str, Any], *, token: str | None, on_update=None,
                  stream: bool = False, secret_inputs: frozenset[str] = frozenset()) -> RunResult:
        if stream:
            return await self._stream(ref, input, on_update)
        self.calls.append((ref, input))
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            pid = f"p{len(self.calls)}"
            on_update(RunUpdate(pid, "processing", "50%|#####     | 1/2"))
            await asyncio.sleep(0.01)
            if input.get("explode"):
                raise RuntimeError("422 Invalid input: explode is not allowed")
            if input.get("fail"):
                return result(pid, ref, input, status="failed", error="out of memory")
            if input.get("hang"):
                await self.release.wait()
            return result(pid, ref, input, output="ok")
        finally:
            self.active -= 1

    async def _stream(self, ref: str, input: dict[str, Any], on_update) -> RunResult:
        pid = f"s-{input.get('temperature')}"
        words = ["Hello", " there", f" t={input.get('temperature')}"]
        text = ""
        for word in words[:1] if input.get("fail") else words:
            text += word
            on_update(RunUpdate(pid, "processing", text=text, delta=word))
            await asyncio.sleep(0)
        if input.get("fail"):
            return result(pid, ref, input, output=[text], status="failed",
                          error="exceeds the available context size")
        return result(pid, ref, input, output=[*words])

    async def finished(self, prediction_id: str, *, token: str | None) -> RunResult | None:
        return None

    async def cancel(self, prediction_id: str, *, token: str | None) -> None:
        self.canceled.append(prediction_id)


def prices(tmp_path: Path) -> PriceTable:
    path = tmp_path / "prices.toml"
    path.write_text('[hardware]\ncpu = 0.001\n[models]\n"local/*" = "cpu"\n')
    return PriceTable.load(path)


async def collect(gen: AsyncIterator[Any]) -> list[Any]:
    return [u async for u in gen]


async def test_cap_isolation_and_costs(tmp_path: Path) -> None:
    backend = FakeBackend()
    s = CompareSession(task="image", seed=5, inputs={"prompt": "cat"}, entries=[
        Entry(ref="local/a"), Entry(ref="local/b", overrides={"explode": True}),
        Entry(ref="local/c"), Entry(ref="preset:fast"),
    ])
    runner = Runner(backend, prices=prices(tmp_path), max_concurrency=2)
    updates = await collect(runner.run_round(s))
    assert backend.peak == 2  # four entries, never more than two at once
    runs = s.round_runs(1)
    assert [r.status for r in runs] == ["succeeded", "failed", "succeeded", "succeeded"]
    assert "explode is not allowed" in (runs[1].error or "")
    assert runs[0].cost_usd == pytest.approx(0.002) and runs[0].hardware == "cpu"
    assert runs[0].input == {"prompt": "cat", "seed": 5}
    assert runs[3].model == "local/preset-model" and runs[3].input["steps"] == 1
    # every pane was reported queued first and finished last
    first = {u.entry: u.run.status for u in reversed(updates)}
    last = {u.entry: u.run.status for u in updates}
    assert set(first.values()) == {"queued"} and last[1] == "failed"
    assert any(u.run.status == "processing" and "50%" in u.run.logs for u in updates)


async def test_shared_inputs_are_cut_to_the_schema(tmp_path: Path) -> None:
    backend = FakeBackend(accepts={"prompt"})
    s = CompareSession(task="image", seed=5, inputs={"prompt": "cat"},
                       entries=[Entry(ref="local/a"), Entry(ref="local/b", overrides={"x": 1})])
    await collect(Runner(backend, prices=prices(tmp_path)).run_round(s))
    assert [c[1] for c in backend.calls] == [{"prompt": "cat"}, {"prompt": "cat", "x": 1}]


async def test_chat_panes_stream_side_by_side(tmp_path: Path) -> None:
    s = CompareSession(task="chat", inputs={"prompt": "hi"}, entries=[
        Entry(ref="local/llm", overrides={"temperature": 0}),
        Entry(ref="local/llm", overrides={"temperature": 0.9})])
    updates = await collect(Runner(FakeBackend(), prices=prices(tmp_path)).run_round(s))
    partial = [u for u in updates if u.run.status == "processing"]
    assert {u.entry for u in partial} == {0, 1}
    assert any(u.run.text == "Hello" for u in partial)
    assert [r.text for r in s.round_runs()] == ["Hello there t=0", "Hello there t=0.9"]
    assert all(r.status == "succeeded" for r in s.round_runs())


async def test_a_failed_chat_pane_is_failed_and_keeps_its_text(tmp_path: Path) -> None:
    s = CompareSession(task="chat", inputs={"prompt": "hi"}, entries=[
        Entry(ref="local/llm", overrides={"temperature": 0}),
        Entry(ref="local/llm", overrides={"temperature": 0.9, "fail": True})])
    await collect(Runner(FakeBackend(), prices=prices(tmp_path)).run_round(s))
    ok, failed = s.round_runs()
    assert ok.status == "succeeded" and failed.status == "failed"
    assert failed.text == "Hello" and "context size" in (failed.error or "")
    image = CompareSession(task="image", entries=[
        Entry(ref="local/a"), Entry(ref="local/b", overrides={"fail": True})])
    await collect(Runner(FakeBackend(), prices=prices(tmp_path)).run_round(image))
    assert [r.status for r in image.round_runs()] == ["succeeded", "failed"]
    assert "out of memory" in (image.round_runs()[1].error or "")


async def test_pinned_replay_uses_versions(tmp_path: Path) -> None:
    backend = FakeBackend()
    s = CompareSession(task="image", entries=[Entry(ref="local/a"), Entry(ref="local/b")])
    runner = Runner(backend, prices=prices(tmp_path))
    await collect(runner.run_round(s))
    await collect(runner.run_round(s, pinned=True))
    assert [c[0] for c in backend.calls[2:]] == ["local/a:v1", "local/b:v1"]
    assert s.last_round == 2 and len(s.runs) == 4


async def test_closing_early_cancels_running_predictions(tmp_path: Path) -> None:
    backend = FakeBackend()
    s = CompareSession(task="image", entries=[Entry(ref="local/a", overrides={"hang": True}),
                                              Entry(ref="local/b", overrides={"hang": True})])
    gen = Runner(backend, prices=prices(tmp_path)).run_round(s)
    async for update in gen:
        if update.run.prediction_id and update.run.status == "processing":
            break
    await gen.aclose()
    assert backend.canceled  # the running prediction was canceled on the server
    assert all(r.status == "canceled" for r in s.runs if r.prediction_id)
