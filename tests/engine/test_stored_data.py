"""What the engine stores: never unserialisable, never megabytes of base64 per prediction;
and rows an older engine stored badly are repaired on read, never a 500."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from .conftest import wait_status
from .models import Echo, Invert, Leaky
from .test_files import png_bytes


def _poison(db: Path, template: dict[str, Any]) -> dict[str, str]:
    """Rows as the engine before these fixes wrote them (json.dumps allows NaN and escapes
    lone surrogates), plus rows that are not records at all."""
    rows = {
        "nanrow": {**template, "input": {"prompt": float("nan")},
                   "metrics": {"total_time": float("inf")}},
        "surrogaterow": {**template, "input": {"prompt": "x\ud800y"}, "logs": "\udfff"},
        "deadlinerow": {**template, "deadline_ts": 3.6e14 * 1000, "completed_ts": float("inf")},
    }
    con = sqlite3.connect(db)
    seq = 1000
    for pid, rec in rows.items():
        seq += 1
        con.execute("INSERT INTO predictions (id, model, status, data) VALUES (?,?,?,?)",
                    (pid, rec["model"], rec["status"], json.dumps({**rec, "id": pid})))
    for pid, data in (("notjson", "{"), ("notarecord", "[1, 2]")):
        con.execute("INSERT INTO predictions (id, model, status, data) VALUES (?,?,?,?)",
                    (pid, "test/echo", "succeeded", data))
    con.execute("INSERT INTO files (id, expires_at, data) VALUES (?,?,?)",
                ("oldfile", "2999-01-01T00:00:00.000000Z", json.dumps({
                    "id": "oldfile", "name": "a\ud800.png", "content_type": "image/png\u2603",
                    "size": 3, "etag": "e", "checksums": {}, "metadata": {"a": float("nan")},
                    "created_at": "2024-01-01T00:00:00.000000Z",
                    "expires_at": "2999-01-01T00:00:00.000000Z"})))
    con.commit()
    con.close()
    return {pid: "ok" for pid in rows} | {"notjson": "gone", "notarecord": "gone"}


def test_rows_poisoned_by_an_older_engine_are_repaired_on_read(make_engine: Any,
                                                               tmp_path: Path) -> None:
    data = tmp_path / "old"
    first = make_engine(data, models=[Echo()])
    with httpx.Client(base_url=first.url, timeout=30) as c:
        good = c.post("/v1/models/test/echo/predictions", json={"input": {"prompt": "ok"}},
                      headers={"Prefer": "wait"}).json()
    first.stop()
    stored = json.loads(sqlite3.connect(data / "engine.sqlite3").execute(
        "SELECT data FROM predictions").fetchone()[0])
    expected = _poison(data / "engine.sqlite3", stored)
    (data / "files" / "oldfile").write_bytes(b"png")

    again = make_engine(data, models=[Echo()])
    with httpx.Client(base_url=again.url, timeout=30) as c:
        listing = c.get("/v1/predictions")
        assert listing.status_code == 200, listing.text
        listed = {p["id"]: p for p in listing.json()["results"]}
        assert set(listed) == {good["id"], *[k for k, v in expected.items() if v == "ok"]}
        assert listed["nanrow"]["input"]["prompt"] is None
        assert listed["surrogaterow"]["input"]["prompt"] == "x\ufffdy"
        assert "deadline" not in listed["deadlinerow"]  # beyond any calendar: omitted
        for pid, state in expected.items():
            r = c.get(f"/v1/predictions/{pid}")
            assert r.status_code == (200 if state == "ok" else 404), (pid, r.text)
        assert c.get("/v1/files").status_code == 200
        download = c.get("/v1/files/oldfile/download")
        assert download.status_code == 200 and download.content == b"png"
        assert download.headers["content-type"] == "application/octet-stream"


def test_a_long_data_uri_is_kept_as_a_file_not_in_the_prediction(make_engine: Any,
                                                                 tmp_path: Path) -> None:
    data = tmp_path / "kept"
    engine = make_engine(data, models=[Invert()])
    noisy = io.BytesIO()
    Image.effect_noise((300, 300), 90).convert("RGB").save(noisy, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(noisy.getvalue()).decode()
    assert len(uri) > 100_000
    with httpx.Client(base_url=engine.url, timeout=60) as c:
        r = c.post("/v1/models/test/invert/predictions", json={"input": {"image": uri}},
                   headers={"Prefer": "wait"})
        assert r.status_code == 201, r.text
        pred = r.json()
        assert pred["status"] == "succeeded", pred["error"]
        image_url = pred["input"]["image"]
        assert image_url.startswith(engine.url + "/v1/outputs/")
        assert c.get(image_url).content == noisy.getvalue()  # the input, as sent
        got = c.get(f"/v1/predictions/{pred['id']}").json()
        assert got["input"] == {"image": image_url}
        # and it can be sent again as an input (as Compare's "again" does)
        again = c.post("/v1/models/test/invert/predictions", json={"input": {"image": image_url}},
                       headers={"Prefer": "wait"}).json()
        assert again["status"] == "succeeded", again["error"]
    rows = sqlite3.connect(data / "engine.sqlite3").execute("SELECT data FROM predictions")
    assert all(len(json.dumps(json.loads(d)["input"])) < 500 for (d,) in rows)
    # a short one stays inline, exactly as sent
    with httpx.Client(base_url=engine.url, timeout=60) as c:
        small = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
        pred = c.post("/v1/models/test/invert/predictions", json={"input": {"image": small}},
                      headers={"Prefer": "wait"}).json()
        assert pred["input"]["image"] == small


def test_a_data_uri_over_the_limit_is_refused_at_the_door(make_engine: Any,
                                                          tmp_path: Path) -> None:
    # the engine's file limit (100 MiB) is made 1 MiB here, so the test moves 1.4 MB, not 140
    data = tmp_path / "big"
    engine = make_engine(data, models=[Invert()], max_file_size=2**20)
    with httpx.Client(base_url=engine.url, timeout=120) as c:
        for size in (2**20 + 1, 2**20 + 2000):  # just over: the exact and the length check
            uri = "data:image/png;base64," + base64.b64encode(b"\0" * size).decode()
            r = c.post("/v1/models/test/invert/predictions", json={"input": {"image": uri}})
            assert r.status_code == 413, r.text[:300]
            assert r.headers["content-type"] == "application/problem+json"
            assert "larger than 1 MiB" in r.json()["detail"]
        assert c.get("/v1/predictions").json()["results"] == []
        ok = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
        assert c.post("/v1/models/test/invert/predictions",
                      json={"input": {"image": ok}}).status_code == 201
    assert not list((data / "outputs").glob("*/input-*"))  # nothing of the big ones kept


def test_logs_and_errors_carry_no_server_paths_or_tracebacks(make_engine: Any,
                                                              tmp_path: Path) -> None:
    data = tmp_path / "leaky"
    engine = make_engine(data, models=[Leaky()])
    with httpx.Client(base_url=engine.url, timeout=30) as c:
        pred = c.post("/v1/models/test/leaky/predictions", json={"input": {}}).json()
        done = wait_status(c, pred["id"], ("failed", "succeeded"))
    assert done["status"] == "failed"
    shown = done["logs"] + done["error"]
    assert str(tmp_path) not in shown and "/usr/lib" not in shown, shown
    assert "Traceback" not in shown and 'File "' not in shown, shown
    assert "model.bin" in done["logs"] and "input0.wav" in done["error"]  # the useful part
    assert "FileNotFoundError" in done["logs"]


def test_a_response_body_is_strict_json_whatever_the_record_holds() -> None:
    """orjson writes the bodies; what it cannot write (or would write loosely) comes out as
    `repair` makes it, and a big integer stays exact (never a float)."""
    from playground.engine import jsonsafe

    def strict(body: bytes) -> Any:
        def refuse(name: str) -> Any:
            raise AssertionError(f"{name} in a response body")
        return json.loads(body, parse_constant=refuse)

    record = {"id": "p1", "output": [1.5, "é/<", None], "n": 2**70, "nested": [[{"a": [1]}]]}
    assert strict(jsonsafe.sendable(record)) == record
    assert strict(jsonsafe.sendable({"m": float("nan"), "i": float("-inf")})) == \
        {"m": None, "i": None}
    assert strict(jsonsafe.sendable({"logs": "x\ud800y", 1: "k"})) == \
        {"logs": "x\ufffdy", "1": "k"}
    assert "\x00" in strict(jsonsafe.sendable({"s": "a\x00b"}))["s"]  # NUL is valid JSON text
