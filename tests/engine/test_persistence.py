"""A restart loses nothing finished; what was queued or running comes back failed."""

from __future__ import annotations

import base64
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from playground.engine.store import Store

from .conftest import wait_status
from .test_files import png_bytes
from .test_streaming import parse_sse, read_stream


def test_restart_keeps_finished_work_and_fails_interrupted(make_engine: Any,
                                                            tmp_path: Path) -> None:
    data = tmp_path / "persist"
    first = make_engine(data)
    with httpx.Client(base_url=first.url, timeout=60) as c:
        done = c.post("/v1/models/test/echo/predictions", json={"input": {"prompt": "Keep"}},
                      headers={"Prefer": "wait"}).json()
        streamed = c.post("/v1/models/test/counter/predictions", json={"input": {"n": 2}},
                          headers={"Prefer": "wait"}).json()
        uri = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
        big = c.post("/v1/models/test/invert/predictions",
                     json={"input": {"image": uri, "big": True}}, headers={"Prefer": "wait"})
        upload = c.post("/v1/files", files={"content": ("k.txt", b"kept", "text/plain")}).json()
        secret = c.get("/v1/webhooks/default/secret").json()["key"]
        running = c.post("/v1/models/test/slow/predictions", json={"input": {}}).json()
        queued = c.post("/v1/models/test/slow/predictions", json={"input": {}}).json()
        wait_status(c, running["id"], ("processing",))
    first.stop()

    second = make_engine(data)
    with httpx.Client(base_url=second.url, timeout=60) as c:
        again = c.get(f"/v1/predictions/{done['id']}").json()
        assert again["status"] == "succeeded" and again["output"] == "Keep".lower()
        assert again["logs"] == done["logs"] and again["created_at"] == done["created_at"]
        for pid in (running["id"], queued["id"]):
            lost = c.get(f"/v1/predictions/{pid}").json()
            assert lost["status"] == "failed" and lost["error"] == "engine restarted"
            assert lost["completed_at"] and lost["output"] is None
        listed = [p["id"] for p in c.get("/v1/predictions").json()["results"]]
        assert {done["id"], running["id"], queued["id"], streamed["id"]} <= set(listed)
        # served output: same path, new engine address
        out = c.get(f"/v1/predictions/{big.json()['id']}").json()["output"]
        assert out.startswith(second.url)
        assert out.split("/v1/")[1] == big.json()["output"].split("/v1/")[1]
        assert c.get(out).status_code == 200
        assert c.get(f"/v1/files/{upload['id']}/download").content == b"kept"
        assert c.get("/v1/webhooks/default/secret").json()["key"] == secret
        events, _ = parse_sse(read_stream(streamed["urls"]["stream"].replace(first.url,
                                                                             second.url)))
        assert [e["event"] for e in events][-1] == "done"
        assert c.get("/v1/models/test/echo").json()["run_count"] == 1
        version = c.get("/v1/models/test/echo/versions").json()["results"][0]
        assert version["id"] == done["version"]


def test_waited_predictions_are_saved_before_anyone_can_learn_of_them(
        make_engine: Any, tmp_path: Path) -> None:
    """`Prefer: wait` predictions are saved by their worker as it starts them (off the event
    loop), yet each is listed and survives a restart as soon as a client could know of it:
    one still running when its wait ends, one queued behind another while its request waits."""
    data = tmp_path / "held"
    first = make_engine(data)
    with httpx.Client(base_url=first.url, timeout=60) as c:
        running = c.post("/v1/models/test/slow/predictions", json={"input": {"seconds": 60}},
                         headers={"Prefer": "wait=1"}).json()
        assert running["status"] == "starting"  # its wait ended first

        def held_request() -> dict[str, Any]:
            with httpx.Client(base_url=first.url, timeout=60) as other:
                return other.post("/v1/models/test/slow/predictions",
                                  json={"input": {"seconds": 1}},
                                  headers={"Prefer": "wait=30"}).json()

        with ThreadPoolExecutor(1) as pool:
            held = pool.submit(held_request)
            queued: dict[str, Any] = {}
            for _ in range(600):  # the queued one is listed while its request still waits
                results = c.get("/v1/predictions").json()["results"]
                queued = next((p for p in results if p["id"] != running["id"]), {})
                if queued or held.done():
                    break
                time.sleep(0.05)
            assert queued and queued["status"] == "starting" and not held.done()
            c.post(f"/v1/predictions/{queued['id']}/cancel")
            assert held.result()["status"] == "canceled"
    first.stop()

    second = make_engine(data)
    with httpx.Client(base_url=second.url, timeout=60) as c:
        lost = c.get(f"/v1/predictions/{running['id']}").json()
        assert lost["status"] == "failed" and lost["error"] == "engine restarted"
        assert c.get(f"/v1/predictions/{queued['id']}").json()["status"] == "canceled"


def test_saves_from_many_threads_at_once_are_all_committed_in_order(tmp_path: Path) -> None:
    """Group commit: every save returns once its row is written (one saver writes the rows
    queued by the others), a job's later state lands after its earlier one, and a failed
    transaction leaves its rows to the next saver instead of dropping them."""
    store = Store(tmp_path / "engine.sqlite3")

    def run(i: int) -> None:
        rec = {"id": f"p{i}", "model": "test/echo", "status": "starting", "input": {}}
        store.save_prediction(rec)
        store.save_prediction({**rec, "status": "processing"})
        store.save_prediction({**rec, "status": "succeeded", "output": i})

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(run, range(256)))
    store.close()
    again = Store(tmp_path / "engine.sqlite3")
    saved = {rec["id"]: rec for _, rec in again.list_predictions(1000)}
    assert len(saved) == 256
    assert all(rec["status"] == "succeeded" and rec["output"] == int(pid[1:])
               for pid, rec in saved.items())

    # A transaction that fails (here: the table is gone) raises, and keeps its row queued.
    again._db.execute("ALTER TABLE predictions RENAME TO gone")
    with pytest.raises(sqlite3.Error):
        again.save_prediction({"id": "late", "model": "test/echo", "status": "starting"})
    again._db.execute("ALTER TABLE gone RENAME TO predictions")
    again.save_prediction({"id": "later", "model": "test/echo", "status": "starting"})
    assert again.get_prediction("late") is not None and again.get_prediction("later")
    again.close()
