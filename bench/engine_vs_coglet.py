"""The engine's fixed cost per prediction against Cog's own server (coglet, Rust), side by side.

    .venv/bin/python bench/engine_vs_coglet.py [--rounds 20] [--n 300] [--clients 64]
                                               [--total 1280] [--only sequential|concurrent]

Installs `cog==0.23.1` into its own venv (.bench-venv/cog-0.23.1, git-ignored; a bench-only
dependency), writes a no-op `predict.py` and runs both servers as separate processes on
loopback: coglet (`python -m cog.server.http`) and the engine's own `serve()` (what
`playground engine` runs) with a bench-only no-op model, never part of the product's registry.

- sequential: `Prefer: wait` (engine) / sync `POST /predictions` (coglet), one keep-alive
  connection, rounds alternating between the servers. coglet answers 409 "at capacity" for a
  moment after each sync prediction: those are retried at once and counted.
- concurrent: `--clients` connections at once (coglet: an async predictor with
  COG_MAX_CONCURRENCY set to the client count), throughput, p50/p95 latency, errors.

The client is a few lines over raw sockets, the same for both servers, so its own cost is
small and equal on both sides. Prints ratios; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COG_VERSION = "0.23.1"
COG_VENV = ROOT / ".bench-venv" / f"cog-{COG_VERSION}"

SYNC_PREDICTOR = '''
from cog import BasePredictor, Input

class Predictor(BasePredictor):
    def predict(self, prompt: str = Input(default="")) -> str:
        return "ok"
'''
ASYNC_PREDICTOR = '''
from cog import BasePredictor, Input

class Predictor(BasePredictor):
    async def predict(self, prompt: str = Input(default="")) -> str:
        return "ok"
'''


@dataclass
class Target:
    name: str
    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    pid: int = 0

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the server process and its child processes so far:
        less sensitive than throughput to other work on a shared machine."""
        tick = os.sysconf("SC_CLK_TCK")
        total, todo = 0, [self.pid]
        while todo:
            pid = todo.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (all threads)
                for task in Path(f"/proc/{pid}/task").iterdir():
                    todo += [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
        return total / tick

    def request(self) -> bytes:
        body = json.dumps({"input": {"prompt": "x"}}).encode()
        head = [f"POST {self.path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                "Content-Type: application/json", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in self.headers.items()]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _parse_head(head: bytes) -> tuple[int, int]:
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return status, int(value)
    raise RuntimeError(f"no Content-Length in {head!r}")


def _succeeded(body: bytes) -> bool:
    return json.loads(body).get("status") == "succeeded"


# servers

def ensure_cog() -> Path:
    python = COG_VENV / "bin" / "python"
    if not python.exists():
        print(f"installing cog=={COG_VERSION} into {COG_VENV} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(COG_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"cog=={COG_VERSION}"],
                       check=True)
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, proc: subprocess.Popen[bytes], want: str | None = None) -> None:
    end = time.monotonic() + 120
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if want is None or want in r.read().decode():
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready")


@contextmanager
def coglet(workdir: Path, predictor: str, concurrency: int = 1) -> Iterator[Target]:
    python = ensure_cog()
    src = workdir / f"cog-{concurrency}"
    src.mkdir(parents=True, exist_ok=True)
    (src / "predict.py").write_text(predictor)
    port = free_port()
    env = {**os.environ, "PATH": f"{python.parent}:{os.environ.get('PATH', '')}",
           "COG_PREDICT_TYPE_STUB": "predict.py:Predictor", "PORT": str(port),
           "COG_MAX_CONCURRENCY": str(concurrency)}
    with open(src / "server.log", "wb") as log:
        proc = subprocess.Popen([str(python), "-m", "cog.server.http", "--host", "127.0.0.1"],
                                cwd=src, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/health-check", proc, '"READY"')
        yield Target("coglet", port, "/predictions", pid=proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)


@contextmanager
def engine(workdir: Path, concurrency: int) -> Iterator[Target]:
    port = free_port()
    data = workdir / f"engine-{concurrency}"
    with open(workdir / f"engine-{concurrency}.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-engine", str(port), str(data), str(concurrency)],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(f"http://127.0.0.1:{port}/v1/models", proc)
        yield Target("engine", port, "/v1/models/bench/noop/predictions", {"Prefer": "wait"},
                     pid=proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)


def serve_engine(port: int, data_dir: Path, concurrency: int) -> None:
    """The engine as `playground engine` runs it, with the bench's no-op model only."""
    sys.path.insert(0, str(Path(__file__).parent))
    from _noop import noop

    from playground.engine.server import serve

    serve([noop(concurrency)], host="127.0.0.1", port=port, data_dir=data_dir)


# clients

@dataclass
class Tally:
    done: int = 0
    retries: int = 0  # coglet's 409 "at capacity"
    errors: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # the server's CPU seconds
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


def sequential(target: Target, n: int, tally: Tally) -> None:
    request = target.request()
    with socket.create_connection(("127.0.0.1", target.port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        start = time.perf_counter()
        for _ in range(n):
            while True:
                sock.sendall(request)
                while b"\r\n\r\n" not in buf:
                    buf += sock.recv(65536)
                head, _, buf = buf.partition(b"\r\n\r\n")
                status, length = _parse_head(head)
                while len(buf) < length:
                    buf += sock.recv(65536)
                body, buf = buf[:length], buf[length:]
                if status == 409:
                    tally.retries += 1
                    continue
                if status not in (200, 201) or not _succeeded(body):
                    tally.errors += 1
                break
            tally.done += 1
        tally.seconds += time.perf_counter() - start


async def _client(target: Target, n: int, tally: Tally) -> None:
    request = target.request()
    reader, writer = await asyncio.open_connection("127.0.0.1", target.port)
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            while True:
                writer.write(request)
                status, length = _parse_head((await reader.readuntil(b"\r\n\r\n"))[:-4])
                body = await reader.readexactly(length)
                if status == 409:
                    tally.retries += 1
                    await asyncio.sleep(0)
                    continue
                if status not in (200, 201) or not _succeeded(body):
                    tally.errors += 1
                break
            tally.latencies.append(time.perf_counter() - t0)
            tally.done += 1
    finally:
        writer.close()


async def concurrent(target: Target, clients: int, total: int, tally: Tally) -> None:
    await asyncio.gather(*(_client(target, 2, Tally()) for _ in range(clients)))  # warm up
    start = time.perf_counter()
    await asyncio.gather(*(_client(target, total // clients, tally) for _ in range(clients)))
    tally.seconds += time.perf_counter() - start


# the two parts

def run_sequential(workdir: Path, rounds: int, n: int) -> None:
    print(f"\nsequential: {rounds} alternating rounds of {n} predictions, one keep-alive "
          f"connection each")
    with coglet(workdir, SYNC_PREDICTOR) as cog, engine(workdir, 1) as eng:
        tallies = {"engine": Tally(), "coglet": Tally()}
        for target in (eng, cog):
            sequential(target, 50, Tally())  # warm up
        ratios = []
        for i in range(rounds):
            order = (eng, cog) if i % 2 == 0 else (cog, eng)
            rates = {}
            for target in order:
                t = Tally()
                cpu = target.cpu_seconds()
                sequential(target, n, t)
                tallies[target.name].cpu += target.cpu_seconds() - cpu
                rates[target.name] = t.rate
                total = tallies[target.name]
                total.done += t.done
                total.seconds += t.seconds
                total.retries += t.retries
                total.errors += t.errors
            ratios.append(rates["engine"] / rates["coglet"])
            print(f"  round {i + 1}: engine {rates['engine']:7.1f}/s  coglet "
                  f"{rates['coglet']:7.1f}/s  ratio {ratios[-1]:.2f}x")
    for name, t in tallies.items():
        print(f"  {name:7s} {t.rate:7.1f} predictions/s  server CPU {t.cpu / t.done * 1e6:5.0f} "
              f"us/prediction  ({t.done} done, {t.retries} 409 retries, {t.errors} errors)")
    print(f"  engine/coglet: {tallies['engine'].rate / tallies['coglet'].rate:.2f}x overall, "
          f"median round {statistics.median(ratios):.2f}x ({min(ratios):.2f}x to "
          f"{max(ratios):.2f}x)")


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def run_concurrent(workdir: Path, clients: int, total: int, workers: int, rounds: int) -> None:
    print(f"\nconcurrent: {clients} clients, {rounds} alternating rounds of {total} predictions "
          f"(coglet: async predictor, COG_MAX_CONCURRENCY={clients}; engine: {workers} worker "
          "threads)")
    tallies = {"engine": Tally(), "coglet": Tally()}
    with coglet(workdir, ASYNC_PREDICTOR, clients) as cog, engine(workdir, workers) as eng:
        for i in range(rounds):
            for target in (eng, cog) if i % 2 == 0 else (cog, eng):
                cpu = target.cpu_seconds()
                asyncio.run(concurrent(target, clients, total, tallies[target.name]))
                tallies[target.name].cpu += target.cpu_seconds() - cpu
    for name, t in tallies.items():
        print(f"  {name:7s} {t.rate:7.1f} predictions/s  p50 {_pct(t.latencies, 50) * 1e3:6.1f} "
              f"ms  p95 {_pct(t.latencies, 95) * 1e3:6.1f} ms  server CPU "
              f"{t.cpu / t.done * 1e6:5.0f} us/prediction  ({t.done} done, {t.retries} 409 "
              f"retries, {t.errors} errors)")
    print(f"  engine/coglet throughput: {tallies['engine'].rate / tallies['coglet'].rate:.2f}x")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve-engine":
        serve_engine(int(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--n", type=int, default=300, help="predictions per round and server")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--total", type=int, default=1280,
                        help="predictions per concurrent round and server")
    parser.add_argument("--concurrent-rounds", type=int, default=6)
    parser.add_argument("--workers", type=int, help="the engine model's worker threads in the "
                        "concurrent part (default: as many as clients, like coglet's slots)")
    parser.add_argument("--only", choices=["sequential", "concurrent"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-coglet-") as tmp:
        if args.only in (None, "sequential"):
            run_sequential(Path(tmp), args.rounds, args.n)
        if args.only in (None, "concurrent"):
            run_concurrent(Path(tmp), args.clients, args.total, args.workers or args.clients,
                           args.concurrent_rounds)


if __name__ == "__main__":
    main()
