"""The cache path: answering an identical run from the history instead of the backend.

    .venv/bin/python bench/history_cache.py [RUNS]

Side by side in one process, on a history of 10,000 runs: what pressing Run costs when the
history already has the identical run (the cache key of the inputs, files hashed by content, the
lookup, the saved files checked), against the same run made on the local engine through the
service (Real-ESRGAN x2 on a 128 px image: the cheapest real model). Prints medians and the
ratio; nothing is asserted.
"""

from __future__ import annotations

import asyncio
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from playground.engine.models import registry
from playground.engine.server import EngineThread
from playground.history import FinishedRun, InputFile, RunStore, Scope, cache_key
from playground.service import Service

OWNER = "bench-owner-0123456789"
FILLER = 10_000


def _png(side: int, seed: int) -> bytes:
    image = Image.effect_noise((side, side), 40 + seed % 50).convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


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


async def bench(runs: int) -> tuple[list[float], list[float], int]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        image = _png(128, 1)
        source = data / "small.png"
        source.write_bytes(image)
        with EngineThread(registry(), data / "engine") as engine:
            service = Service(engine.url, data_dir=data / "app")
            store = RunStore(data / "app")
            _fill(store, FILLER)
            backend, cached = [], []

            async def through_backend() -> Path:
                started = time.perf_counter()
                result = await service.upscale(str(source), scale=2, face_enhance=False)
                backend.append(time.perf_counter() - started)
                assert result.ok, result.error
                return result.files[0]

            first = await through_backend()  # also loads the model: not counted
            backend.clear()
            inputs = {"image": InputFile(image), "scale": 2, "face_enhance": False}
            key = cache_key(backend_url=engine.url, model="local/real-esrgan", version=None,
                            inputs=inputs)
            store.record(FinishedRun(task="upscale", tab="upscale", model="local/real-esrgan",
                                     version=None, backend_kind="local",
                                     backend_url=engine.url, status="succeeded",
                                     inputs=inputs, output=[first], cache_key=key), OWNER)
            for _ in range(runs):
                await through_backend()
                for _ in range(20):
                    started = time.perf_counter()
                    # what the service does on Run: read the upload, key it, look it up
                    sent = {"image": InputFile(source.read_bytes()), "scale": 2,
                            "face_enhance": False}
                    found = store.find_cached(
                        cache_key(backend_url=engine.url, model="local/real-esrgan",
                                  version=None, inputs=sent), Scope.of(OWNER))
                    cached.append(time.perf_counter() - started)
                    assert found is not None
            store.close()
            await service.aclose()
    return backend, cached, len(image)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    backend, cached, size = asyncio.run(bench(runs))
    b, c = statistics.median(backend), statistics.median(cached)
    print(f"history: {FILLER + 1:,} runs; image input 128 px PNG ({size:,} bytes)")
    print(f"{'path':<44}{'median':>12}{'runs':>8}")
    print(f"{'backend (local engine, real-esrgan x2)':<44}{b * 1000:>10.1f} ms{len(backend):>8}")
    print(f"{'from the history (key + lookup)':<44}{c * 1000:>10.2f} ms{len(cached):>8}")
    print(f"ratio: the cache path takes {c / b:.4f} of the backend run ({b / c:,.0f}x faster)")


if __name__ == "__main__":
    main()
