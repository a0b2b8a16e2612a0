"""`playground` and `playground engine` as a user starts them: real processes, each in its own
process group (killed by its id, never by name), waited for until they answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from .helpers import until

PLAYGROUND = Path(sys.executable).parent / "playground"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


class Playground:
    """`playground ARGS --port P` on `data` (PLAYGROUND_DATA_DIR), ready once `ready` answers."""

    def __init__(self, args: list[str], data: Path, log: Path, ready: str = "/") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data)}
        with log.open("a") as out:
            self.proc = subprocess.Popen(
                [str(PLAYGROUND), *args, "--port", str(self.port)], stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True, env=env)
        assert until(lambda: answers(self.url + ready) or self.proc.poll() is not None,
                     timeout=120), log.read_text()
        assert self.proc.poll() is None, log.read_text()

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """`sig` to its process group (its own session: this process and nothing else)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
