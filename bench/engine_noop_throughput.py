"""No-op prediction throughput through the engine (HTTP, `Prefer: wait`) against calling the
same model in-process. One run; prints predictions per second and the ratio.

    .venv/bin/python bench/engine_noop_throughput.py [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx
from _noop import Noop

from playground.engine.models.base import PredictContext
from playground.engine.server import EngineThread


def in_process(n: int, workdir: Path) -> float:
    model = Noop()
    ctx = PredictContext(workdir=workdir, log=lambda line: None)
    start = time.perf_counter()
    for _ in range(n):
        model.predict(Noop.Input.model_validate({"prompt": "x"}), ctx)
    return n / (time.perf_counter() - start)


def over_http(n: int, data_dir: Path) -> float:
    with EngineThread([Noop()], data_dir) as engine, httpx.Client(base_url=engine.url) as c:
        for _ in range(5):  # warm up connections and the model
            c.post("/v1/models/bench/noop/predictions", json={"input": {"prompt": "x"}},
                   headers={"Prefer": "wait"})
        start = time.perf_counter()
        for _ in range(n):
            r = c.post("/v1/models/bench/noop/predictions", json={"input": {"prompt": "x"}},
                       headers={"Prefer": "wait"})
            assert r.json()["status"] == "succeeded", r.text
        return n / (time.perf_counter() - start)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as tmp:
        local = in_process(n, Path(tmp))
        http = over_http(n, Path(tmp) / "engine")
    print(f"in-process: {local:,.0f} predictions/s")
    print(f"engine (HTTP, Prefer: wait, sequential): {http:,.1f} predictions/s")
    print(f"ratio engine/in-process: {http / local:.2e} ({local / http:,.0f}x slower)")


if __name__ == "__main__":
    main()
