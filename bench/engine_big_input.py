"""The engine's memory and disk for big data-URI inputs: one 96 MiB data URI (a 128 MiB
body, within the limits), then six at once, each against a fresh engine process.

    .venv/bin/python bench/engine_big_input.py [--only one|six]

The engine runs in a child process with the bench-only `bench/sink` model (it answers its
file's size, so the numbers are the engine's own: body, parsing, decoding, keeping). Printed:
the child's resident memory before (after a small warm-up prediction) and its peak (VmHWM
from /proc), the answers' statuses, and the bytes left in the engine's data folder. Nothing
is asserted; run it once, not in a loop (it moves about a gigabyte over loopback).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import httpx

MIB = 2**20
CHILD = """
import sys
sys.path.insert(0, {bench!r})
from _noop import Sink
from playground.engine.server import EngineThread
engine = EngineThread([Sink()], {data!r}).start()
print(engine.port, flush=True)
sys.stdin.read()
"""


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0]) // 1024
    return out


def _disk(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _body(size: int) -> bytes:
    uri = "data:application/octet-stream;base64," + base64.b64encode(os.urandom(size)).decode()
    return json.dumps({"input": {"file": uri}}).encode()


def run(copies: int, body: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "engine"
        code = CHILD.format(bench=str(Path(__file__).parent), data=str(data))
        child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout is not None
            url = f"http://127.0.0.1:{child.stdout.readline().strip()}"
            path = "/v1/models/bench/sink/predictions"
            with httpx.Client(base_url=url, timeout=600) as c:
                warm = c.post(path, content=_body(1000), headers={"Prefer": "wait"})
                assert warm.json()["status"] == "succeeded", warm.text
            before = _status(child.pid)
            answers: list[str] = []

            def send() -> None:
                with httpx.Client(base_url=url, timeout=600) as c:
                    r = c.post(path, content=body, headers={"Prefer": "wait",
                                                            "Content-Type": "application/json"})
                    answers.append(str(r.status_code) + (
                        f" {r.json().get('status')}" if r.status_code == 201 else ""))

            threads = [threading.Thread(target=send) for _ in range(copies)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            after = _status(child.pid)
            print(f"{copies} x {len(body) / MIB:.0f} MiB body: RSS before {before['VmRSS']} MiB, "
                  f"peak {after['VmHWM']} MiB (+{after['VmHWM'] - before['VmRSS']} MiB); "
                  f"answers {sorted(answers)}; data folder {_disk(data) / MIB:.0f} MiB")
        finally:
            if child.stdin:
                child.stdin.close()
            child.wait(30)


def main() -> None:
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    body = _body(96 * MIB)
    if only in (None, "one"):
        run(1, body)
    if only in (None, "six"):
        run(6, body)


if __name__ == "__main__":
    main()
