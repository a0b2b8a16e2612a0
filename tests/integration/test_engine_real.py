"""Engine behaviour that needs the real models: missing weights, restart persistence."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from playground.engine import model_store

from .conftest import start_real_engine
from .helpers import CHAT, LONG_CHAT, png, until

pytestmark = [pytest.mark.models, pytest.mark.timeout(150)]


def data_uri(path: Path, kind: str) -> str:
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


@pytest.fixture
def cache_without_whisper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache dir holding every pulled model but whisper (links to the real weights)."""
    real = model_store.models_root()
    root = tmp_path / "cache"
    (root / "models").mkdir(parents=True)
    for entry in real.iterdir():
        if entry.name != "whisper-tiny-en" and not entry.name.startswith("."):
            (root / "models" / entry.name).symlink_to(entry, target_is_directory=True)
    # model_store reads PLAYGROUND_CACHE_DIR at call time, so this applies to any engine
    # created or used during the test.
    monkeypatch.setenv("PLAYGROUND_CACHE_DIR", str(root))
    assert not model_store.is_ready("whisper-tiny-en") and model_store.is_ready("rembg")
    return root


def test_missing_weights_name_the_fix_and_other_models_keep_working(
        cache_without_whisper: Path, tmp_path: Path, media: dict[str, Path]) -> None:
    engine, recorder = start_real_engine(tmp_path / "engine")
    try:
        with httpx.Client(base_url=engine.url, timeout=90) as c:
            r = c.post("/v1/models/local/whisper-tiny-en/predictions", headers={"Prefer": "wait"},
                       json={"input": {"audio": data_uri(media["speech"], "audio/wav")}})
            assert r.status_code == 201
            failed = r.json()
            assert failed["status"] == "failed"
            assert "playground models pull whisper-tiny-en" in failed["error"]
            assert str(cache_without_whisper) not in failed["error"]  # no server paths
            model = c.get("/v1/models/local/whisper-tiny-en").json()
            assert "playground models pull whisper-tiny-en" in model["description"]

            ok = c.post("/v1/models/local/rembg/predictions", headers={"Prefer": "wait"},
                        json={"input": {"image": data_uri(media["portrait"], "image/png")}})
            body = ok.json()
            assert body["status"] == "succeeded", body.get("error")
            assert png(base64.b64decode(body["output"].split(",", 1)[1])).mode == "RGBA"
            chat = c.post("/v1/models/local/smollm2-135m-instruct/predictions",
                          headers={"Prefer": "wait"},
                          json={"input": {"prompt": "Say hi.", "max_tokens": 8}}).json()
            assert chat["status"] == "succeeded" and "".join(chat["output"]).strip()
    finally:
        engine.stop()
    assert recorder.checked and not recorder.failures, recorder.failures[:3]


def test_restart_keeps_finished_predictions_and_fails_running_ones(
        tmp_path: Path, media: dict[str, Path]) -> None:
    data = tmp_path / "engine"
    first, rec1 = start_real_engine(data)
    try:
        with httpx.Client(base_url=first.url, timeout=90) as c:
            # 256 px x4 is a PNG over 1 MiB: served by the engine as a file, not a data URI.
            big = c.post("/v1/models/local/real-esrgan/predictions", headers={"Prefer": "wait"},
                         json={"input": {"image": data_uri(media["portrait"], "image/png"),
                                         "scale": 4}}).json()
            assert big["status"] == "succeeded", big.get("error")
            assert big["output"].startswith(first.url + "/v1/outputs/")
            image_bytes = c.get(big["output"]).content
            assert png(image_bytes).size == (1024, 1024)
            running = c.post(f"/v1/models/{CHAT}/predictions", json={"input": LONG_CHAT}).json()
            assert until(lambda: bool(c.get(f"/v1/predictions/{running['id']}").json()["output"]),
                         timeout=90)
    finally:
        first.stop()  # mid-generation

    second, rec2 = start_real_engine(data)
    try:
        with httpx.Client(base_url=second.url, timeout=30) as c:
            again: dict[str, Any] = c.get(f"/v1/predictions/{big['id']}").json()
            assert again["status"] == "succeeded"
            assert again["metrics"] == big["metrics"] and again["logs"] == big["logs"]
            # a long data URI input is kept as a file: its URL moves with the engine, as outputs do
            assert again["input"] == {k: v.replace(first.url, second.url) if isinstance(v, str)
                                      else v for k, v in big["input"].items()}
            # The stored output is re-rendered on the new address and still downloads.
            assert again["output"] == big["output"].replace(first.url, second.url)
            assert c.get(again["output"]).content == image_bytes
            lost = c.get(f"/v1/predictions/{running['id']}").json()
            assert lost["status"] == "failed" and lost["error"] == "engine restarted"
            listed = [p["id"] for p in c.get("/v1/predictions").json()["results"]]
            assert listed[:2] == [running["id"], big["id"]]
    finally:
        second.stop()
    for rec in (rec1, rec2):
        assert rec.checked and not rec.failures, rec.failures[:3]


def test_queue_wait_deadline_and_cancel_of_a_queued_prediction(engine: Any) -> None:
    """The chat model runs one generation at a time: the next waits `starting` in its queue."""
    with httpx.Client(base_url=engine.url, timeout=90) as c:
        url = f"/v1/models/{CHAT}/predictions"
        # Prefer: wait=1 answers before the generation ends, as `starting` (clients then poll).
        first = c.post(url, json={"input": LONG_CHAT}, headers={"Prefer": "wait=1"}).json()
        assert first["status"] == "starting"
        # On a busy machine the first token may take longer than the 1 s wait: not a deadline.
        assert until(lambda: c.get(f"/v1/predictions/{first['id']}").json().get("output"),
                     timeout=60)
        queued = c.post(url, json={"input": LONG_CHAT}).json()
        timed = c.post(url, json={"input": LONG_CHAT}, headers={"Cancel-After": "5s"}).json()
        assert c.get(f"/v1/predictions/{queued['id']}").json()["status"] == "starting"
        canceled = c.post(f"/v1/predictions/{queued['id']}/cancel").json()
        assert canceled["status"] == "canceled" and not canceled["output"]
        assert "predict_time" not in canceled["metrics"]  # it never ran
        c.post(f"/v1/predictions/{first['id']}/cancel")
        # The deadline counts from creation: it stops the generation whether queued or running.
        assert until(lambda: c.get(f"/v1/predictions/{timed['id']}").json()["status"]
                     in ("succeeded", "failed", "canceled"), timeout=60)
        final = c.get(f"/v1/predictions/{timed['id']}").json()
        assert final["status"] == "canceled"
        assert final["metrics"]["total_time"] >= 5


STOP_MID_GENERATION = """
import sys, time
from pathlib import Path
import httpx
from playground.engine.models import registry
from playground.engine.server import EngineThread
from tests_helpers import CHAT, LONG_CHAT
with EngineThread(registry(), Path(sys.argv[1])) as e, httpx.Client(base_url=e.url) as c:
    p = c.post(f"/v1/models/{CHAT}/predictions", json={"input": LONG_CHAT}).json()
    while not c.get(f"/v1/predictions/{p['id']}").json()["output"]:
        time.sleep(0.05)
print("stopped mid-generation", flush=True)
"""


def test_stopping_mid_generation_exits_cleanly(tmp_path: Path) -> None:
    """llama.cpp still generating at interpreter exit used to abort the process
    ("FATAL: exception not rethrown", exit 134): the app quit or Ctrl+C during a chat."""
    (tmp_path / "tests_helpers.py").write_text(Path(__file__).with_name("helpers.py").read_text())
    proc = subprocess.run([sys.executable, "-c", STOP_MID_GENERATION, str(tmp_path / "data")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "stopped mid-generation" in proc.stdout, proc.stderr[-2000:]
    assert proc.returncode == 0 and "FATAL" not in proc.stderr, proc.stderr[-2000:]
