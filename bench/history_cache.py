"""The cache path: pressing Run on a run the history already has, through the service.

    .venv/bin/python bench/history_cache.py [RUNS]

Side by side in one process, with 10,000 other runs in the history: `service.upscale(...)` for
an identical deterministic run (the upload read and checked, its cache key, the lookup, the
saved result; no backend call), against the same call with "Run anyway" (the local engine's
Real-ESRGAN x2: upload, create, poll, download). Requests reaching the engine are counted on
the engine itself. Two inputs: a 128 px PNG and a 1024 px photo. Prints medians, the ratio and
the request counts; nothing is asserted.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image

from playground.engine.models import registry
from playground.engine.server import EngineThread
from playground.history import RunStore
from playground.service import Caller, RunHistory, Service

OWNER = "bench-owner-0123456789"
FILLER = 10_000


class Counting:
    """ASGI middleware counting the HTTP requests the engine receives."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.count += 1
        await self.app(scope, receive, send)


def _photo(side: int, path: Path) -> Path:
    from skimage import data as skdata

    Image.fromarray(skdata.astronaut()).resize((side, side)).save(path)
    return path


def _fill(store: RunStore, n: int) -> None:
    conn = store._conn
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO runs (id, owner, task, tab, model, backend_kind, backend_url, status, "
        "inputs, started_at, finished_at, cache_key, snippet, search_text) "
        "VALUES (?, ?, 'upscale', 'upscale', 'local/real-esrgan', 'local', 'x', 'succeeded', "
        "'{}', ?, ?, ?, '', 'filler run')",
        [(f"{i:016x}", OWNER if i % 3 else "someone-else-0123456789", 1e9 + i, 1e9 + i,
          f"{i:064x}") for i in range(n)])
    conn.execute("COMMIT")


async def _timed(service: Service, image: Path, caller: Caller) -> tuple[float, bool]:
    started = time.perf_counter()
    result = await service.upscale(str(image), scale=2, face_enhance=False, caller=caller)
    took = time.perf_counter() - started
    assert result.ok, result.error
    return took, result.reused is not None


async def bench(runs: int, data: Path, engine: EngineThread,
                counter: Counting) -> list[tuple[str, float, float, int, int]]:
    store = RunStore(data / "app")
    _fill(store, FILLER)
    service = Service(engine.url, data_dir=data / "app", backend="local",
                      history=RunHistory(store))
    rows = []
    for side in (128, 1024):
        image = _photo(side, data / f"photo-{side}.png")
        await _timed(service, image, Caller(OWNER, "upscale"))  # loads the model, records it
        backend, cached = [], []
        backend_requests = cached_requests = 0
        for _ in range(runs):
            before = counter.count
            took, reused = await _timed(service, image, Caller(OWNER, "upscale", reuse=False))
            backend_requests += counter.count - before
            backend.append(took)
            assert not reused
            for _ in range(10):
                before = counter.count
                took, reused = await _timed(service, image, Caller(OWNER, "upscale"))
                cached_requests += counter.count - before
                cached.append(took)
                assert reused
        rows.append((f"{side} px PNG ({image.stat().st_size / 1000:.0f} kB)",
                     statistics.median(backend), statistics.median(cached),
                     backend_requests // runs, cached_requests))
    await service.aclose()
    store.close()
    return rows


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        engine = EngineThread(registry(), data / "engine")
        counters: list[Counting] = []
        engine.app.add_middleware(lambda app: counters.append(Counting(app)) or counters[-1])
        with engine:
            rows = asyncio.run(bench(runs, data, engine, counters[0]))
    print(f"history: {FILLER:,} other runs; {runs} backend runs and {runs * 10} cached runs "
          "per input")
    print(f"{'input':<24}{'backend run':>13}{'from history':>14}{'ratio':>9}"
          f"{'requests/run':>14}{'cache reqs':>12}")
    for name, b, c, per_run, cached_requests in rows:
        print(f"{name:<24}{b * 1000:>10.1f} ms{c * 1000:>11.2f} ms{c / b:>9.4f}"
              f"{per_run:>14}{cached_requests:>12}")


if __name__ == "__main__":
    main()
