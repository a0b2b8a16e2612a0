"""One coglet server (Cog's own HTTP server) for one predictor, on a free loopback port.

Measured facts this relies on (cog 0.23.1): coglet spawns its Python worker as
`python -c "import coglet; ..."` from PATH, so the predictor's Python's `bin` goes first on
PATH; the predictor comes from COG_PREDICT_TYPE_STUB and the port from PORT; the worker reads
`.cog/openapi_schema.json` relative to its working directory (without it: no validation, no
SSE), so it runs in a folder the engine owns, with the predictor's folder on PYTHONPATH.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

SETUP_WAIT = 600.0  # seconds a setup() may take before the predictor is given up on
STOP_WAIT = 5.0
OWN_OUTPUT = ("coglet::setup", "coglet::user")


# `python -m cog.server.http --host 127.0.0.1`, and a thread that takes the server and its worker
# (its own process group) down when the engine is gone, even killed (coglet's Rust server lets
# Python threads run while it serves)
LAUNCHER = """
import os, runpy, signal, sys, threading, time
engine = int(sys.argv[1])
def watch():
    while os.getppid() == engine:
        time.sleep(1)
    os.killpg(0, signal.SIGTERM)
threading.Thread(target=watch, daemon=True).start()
sys.argv = ["cog.server.http", "--host", "127.0.0.1"]
runpy.run_module("cog.server.http", run_name="__main__", alter_sys=True)
"""


def predictor_env(python: str, directory: Path) -> dict[str, str]:
    """The environment the predictor's code runs in: ours without the playground's, Replicate's
    or Cog's settings; its Python's `bin` first on PATH; its folder on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("REPLICATE_", "PLAYGROUND_", "COG_"))}
    env.update(PATH=os.pathsep.join([str(Path(python).parent), env.get("PATH", "")]),
               PYTHONPATH=str(directory.resolve()), PYTHONUNBUFFERED="1")
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class CogProcess:
    """`start()` runs the server; `wait_ready()` waits for setup() and says how it went."""

    def __init__(self, directory: Path, workdir: Path, python: str, predict_ref: str,
                 schema: dict[str, Any], on_output: Callable[[str], None]) -> None:
        self.directory = directory
        self.workdir = workdir
        self.python = python
        file, _, cls = predict_ref.partition(":")
        self.stub = f"{(directory / file).resolve()}:{cls}"
        self.schema = schema
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.tail: deque[str] = deque(maxlen=40)  # its last log messages (a crash's reason)
        # its logs (JSON lines on stdout) are complete, where /health-check's setup logs
        # were seen cut short
        self.on_output = on_output

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        cog_dir = self.workdir / ".cog"
        cog_dir.mkdir(parents=True, exist_ok=True)
        (cog_dir / "openapi_schema.json").write_text(json.dumps(self.schema))
        self.port = free_port()
        env = predictor_env(self.python, self.directory)
        env.update(PORT=str(self.port), COG_PREDICT_TYPE_STUB=self.stub)
        self.proc = subprocess.Popen(
            [self.python, "-c", LAUNCHER, str(os.getpid())],
            cwd=self.workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=self._drain, args=(self.proc,), daemon=True,
                         name="cog-log").start()

    def _drain(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            text = raw.decode("utf-8", "replace").rstrip()
            try:
                record = json.loads(text)
                message = str(record.get("fields", {}).get("message", text))
                target = record.get("target")
            except (ValueError, AttributeError):
                message, target = text, None
            self.tail.append(message)
            # what the predictor printed outside a prediction (setup()): coglet logs it as
            # `coglet::setup`, or `coglet::user` when it arrives after the server is ready
            if target in OWN_OUTPUT and "DeprecationWarning" not in message:
                self.on_output(message)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def health(self) -> dict[str, Any] | None:
        try:
            answer = httpx.get(f"{self.url}/health-check", timeout=5)
            return answer.json() if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def wait_ready(self, stop: threading.Event) -> str | None:
        """Wait for setup(): None once it ran, else why it failed (or the server died).
        `stop` ends the wait early (the engine is closing)."""
        deadline = time.monotonic() + SETUP_WAIT
        while time.monotonic() < deadline and not stop.is_set():
            state = self.health() or {}
            status = state.get("status")
            if status in ("READY", "BUSY"):
                return None
            if status in ("SETUP_FAILED", "DEFUNCT"):
                logs = str((state.get("setup") or {}).get("logs") or "")
                return _setup_error(logs, list(self.tail))
            if not self.alive():
                return _setup_error("", list(self.tail))
            stop.wait(0.1)
        return "setup() did not finish" if not stop.is_set() else "the engine stopped"

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(f"{self.url}/shutdown", timeout=2)
        try:
            proc.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)  # its own session: the worker goes too
            proc.wait(STOP_WAIT)


def _setup_error(logs: str, tail: list[str]) -> str:
    """The author's error in a line or two: the last exception line of the setup's logs (or of
    the server's own), never the traceback."""
    lines = [line.split("] ", 1)[-1] if line.startswith("[") else line
             for line in (logs.splitlines() or tail)]
    for line in reversed(lines):
        text = line.strip()
        if text and ("Error" in text or "Exception" in text or "failed" in text.lower()):
            # coglet wraps it: "worker setup failed: ... Setup failed: setup failed: E: why"
            return re.split(r"(?i)setup failed(?: \(slot [^)]*\))?: ", text)[-1][:500]
    return "setup() failed (no error message)"
