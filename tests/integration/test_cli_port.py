"""A busy port: the default moves on to the next free one and says where; a port asked for is
refused in one plain line (never a traceback with advice that does not work)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from playground import cli

from .helpers import until

pytestmark = pytest.mark.timeout(120)
PLAYGROUND = Path(sys.executable).parent / "playground"


@pytest.fixture
def busy() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield int(held.getsockname()[1])


def _free_after(port: int) -> int:
    return next(p for p in range(port + 1, port + 50) if cli.port_free("127.0.0.1", p))


def test_the_default_port_moves_on_when_taken(busy: int, monkeypatch) -> None:
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    from playground import listening

    monkeypatch.setattr(listening, "DEFAULT_PORT", busy)  # where choose_port reads it
    assert cli.choose_port("127.0.0.1", None) == _free_after(busy)


def test_a_port_asked_for_is_used_or_refused_plainly(busy: int, monkeypatch) -> None:
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    said = cli.choose_port("127.0.0.1", busy)
    assert said == (f"port {busy} is already in use on 127.0.0.1. Stop what uses it, or choose "
                    f"another: playground --port {busy + 1} (make start PORT={busy + 1})")
    monkeypatch.setenv("PORT", str(busy))
    assert cli.choose_port("127.0.0.1", None) == said
    monkeypatch.setenv("PORT", "eighty")
    assert "not a number" in str(cli.choose_port("127.0.0.1", None))
    assert "1 to 65535" in str(cli.choose_port("127.0.0.1", 70000))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("REPLICATE_API_TOKEN", "PORT", "GRADIO_SERVER_PORT")}
    return {**env, "PLAYGROUND_DATA_DIR": str(tmp_path / "data"),
            "GRADIO_ANALYTICS_ENABLED": "False", **extra}


def test_the_command_refuses_a_busy_port_in_one_line(busy: int, tmp_path: Path) -> None:
    proc = subprocess.run([str(PLAYGROUND), "--port", str(busy)], capture_output=True,
                          text=True, timeout=60, env=_env(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"playground: port {busy} is already in use on 127.0.0.1. Stop what uses it, or "
        f"choose another: playground --port {busy + 1} (make start PORT={busy + 1})"]


def test_the_command_says_where_the_page_is(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    log = (tmp_path / "out.log").open("w+")
    proc = subprocess.Popen([str(PLAYGROUND), "--backend", "local", "--tab", "chat"],
                            stdout=log, stderr=subprocess.STDOUT,
                            env=_env(tmp_path, PORT=str(port)))
    url = f"http://127.0.0.1:{port}/"
    try:
        def ready() -> bool:
            log.seek(0)
            return "is ready" in log.read()
        assert until(ready, timeout=90), "the app did not say it was ready"
        log.seek(0)
        said = log.read()
        assert (f"Replicate Playground is ready: open {url} in a browser (Ctrl+C stops it)."
                in said)
        assert "share=True" not in said  # Gradio's advice contradicts the README's sharing rules
        assert httpx.get(url, timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
