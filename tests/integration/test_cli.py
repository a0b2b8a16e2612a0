"""`playground engine` as a user runs it: a real process, curl-like checks, always killed."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from .helpers import until
from .processes import PLAYGROUND, answers, free_port

pytestmark = pytest.mark.timeout(90)



def test_engine_command_serves_the_models(tmp_path: Path) -> None:
    port = free_port()  # not a fixed 8123: other sessions may run tests in parallel
    log = (tmp_path / "engine.log").open("w+")
    proc = subprocess.Popen([str(PLAYGROUND), "engine", "--port", str(port)], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/v1/models"
        assert until(lambda: answers(url) or proc.poll() is not None, timeout=60)
        assert proc.poll() is None, Path(log.name).read_text()
        names = {m["name"] for m in httpx.get(url, timeout=5).json()["results"]}
        assert {"smollm2-135m-instruct", "whisper-tiny-en", "rembg", "sd-turbo"} <= names
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: the engine and nothing else
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    log.seek(0)
    # It says where it listens and keeps its data where PLAYGROUND_DATA_DIR says.
    said = log.read()
    assert f"engine listening on http://127.0.0.1:{port}" in said
    assert "private and loopback addresses are fetched" not in said  # refused by default
    assert (Path(os.environ["PLAYGROUND_DATA_DIR"]) / "engine" / "engine.sqlite3").is_file()


def test_public_host_without_a_token_is_refused() -> None:
    assert "PLAYGROUND_ENGINE_TOKEN" not in os.environ
    proc = subprocess.run([str(PLAYGROUND), "engine", "--host", "0.0.0.0", "--port",
                           str(free_port())], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "refusing to listen on 0.0.0.0 without a token" in proc.stderr
    assert "--token" in proc.stderr and "PLAYGROUND_ENGINE_TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr and "Uvicorn running" not in proc.stderr


def test_engine_allow_private_urls_flag(tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "engine.log").open("w+")
    proc = subprocess.Popen([str(PLAYGROUND), "engine", "--port", str(port),
                             "--allow-private-urls"], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/v1/models"
        assert until(lambda: answers(url) or proc.poll() is not None, timeout=60)
        assert proc.poll() is None, Path(log.name).read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    log.seek(0)
    assert "URL inputs on private and loopback addresses are fetched" in log.read()
