"""Demo mode under load: a room of visitors, each a gradio_client session, all pressing Run at
once on the local engine.

    .venv/bin/python bench/demo_load.py [--visitors 100] [--concurrent-runs 4]
                                        [--per-visitor 2] [--rounds 1] [--full-at 50]
                                        [--side 64] [--only room|full]

Starts `python -m playground --backend local --demo FILE` (the app and its embedded engine, one
process, as a host starts it) with a temporary data directory and a demo file of
`concurrent_runs_per_visitor = 2`, `concurrent_runs = 4` and no hourly limits (every visitor
here comes from 127.0.0.1, one address). Then `--visitors` gradio_client sessions are made
first (each fetches the page's config), and only then, together, each submits 2 or 3
upscales (x2 of a small picture of its own, so the history never answers) to the Upscale tab's
API. Two scenarios, each on a fresh server:

- "room": `max_waiting` far above the runs asked; `--rounds` batches one after the other, to
  see whether the server's memory comes back or grows from round to round;
- "full": `max_waiting = --full-at`: the runs beyond it are refused with "The room is full".

For every run: served (its status line says Done), refused (the gate's words), failed (any
other error), or lost (no final answer within `--timeout`); whether it was told its place
("You are Nth in line, about ...") before it started, and the highest place it was told.
Afterwards the engine's own list of predictions is counted (a refused run must not reach it)
and the Host view's line (nothing left running or waiting). The server's RSS (`VmRSS`, one
process) is sampled every 0.2 s. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from gradio_client import Client, handle_file
from memory import free_port, listening_ports, memory  # bench/memory.py
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
MODEL = "local/real-esrgan"
PLACE = re.compile(r"You are (\d+)(?:st|nd|rd|th) in line, about [^.<]+")
# the gate's refusals (playground/service/gate.py), by their words
REFUSALS = {"runs are already waiting": "The room is full",
            "per visitor per hour": "Limit reached", "has paused the demo": "Paused",
            "used its budget": "Budget used up", "runs only these models": "Not in this demo"}
STARTED = ("Starting", "Processing", "Loading the model", "Queued: waiting for the model",
           "Saving the output", "Done")
DEMO = """
[limits]
runs_per_visitor_per_hour = 0
runs_per_address_per_hour = 0
concurrent_runs_per_visitor = 2
concurrent_runs = {concurrent}
max_waiting = {max_waiting}
[show]
tabs = ["upscale"]
"""


@dataclass
class Job:
    visitor: int
    job: Any = None
    outcome: str = "lost"  # served, refused, failed, lost
    said: str = ""  # a refusal's or a failure's words
    told: bool = False  # "You are Nth in line" seen before the run started
    told_late: bool = False  # seen, but only after it had started (should never happen)
    max_place: int = 0
    done_at: float | None = None


@dataclass
class Round:
    label: str
    jobs: list[Job] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)  # per visitor, seconds to their last answer
    took: float = 0.0
    rss: dict[str, float] = field(default_factory=dict)  # before, peak, after (MB)
    engine_made: int = 0  # predictions the engine received during the round
    host_line: str = ""


class Sampler(threading.Thread):
    """The server's RSS every `every` s; `peak` the highest seen since `reset`."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak = pid, every, 0.0
        self.stop = threading.Event()

    def reset(self) -> None:
        self.peak = memory(self.pid)["rss"]

    def run(self) -> None:
        while not self.stop.wait(self.every):
            self.peak = max(self.peak, memory(self.pid)["rss"])


def picture(folder: Path, visitor: int, run: int, round_no: int, side: int) -> Path:
    """A picture no other run of the bench sends (else the history would answer it)."""
    path = folder / f"v{visitor}-r{run}-n{round_no}.png"
    Image.new("RGB", (side, side), (visitor % 256, 40 * run + round_no, 90 + visitor // 256)
              ).save(path)
    return path


def status_texts(job: Any) -> list[str]:
    """The status line (the Upscale API's third output) of each update the session got."""
    return [str(out[2]) for out in job.outputs() if isinstance(out, list | tuple)
            and len(out) > 2]


def judge(entry: Job) -> None:
    job = entry.job
    lines = status_texts(job)
    started_at = next((i for i, s in enumerate(lines) if any(w in s for w in STARTED)), None)
    for i, line in enumerate(lines):
        if m := PLACE.search(line):
            entry.max_place = max(entry.max_place, int(m[1]))
            if started_at is None or i < started_at:
                entry.told = True
            else:
                entry.told_late = True
    if not job.done():
        return  # lost: no final answer
    try:
        result = job.result(timeout=0)
    except Exception as exc:  # an API caller gets the page's message as an error
        text = str(exc)
        entry.said = next((title for words, title in REFUSALS.items() if words in text),
                          "") or text[:120]
        entry.outcome = "refused" if entry.said in REFUSALS.values() else "failed"
        return
    status = str(result[2]) if isinstance(result, list | tuple) and len(result) > 2 else ""
    entry.outcome = "served" if "Done" in status else "failed"
    entry.said = "" if entry.outcome == "served" else status[:120]


def engine_count(engine: str) -> int:
    """Predictions of MODEL the engine has (all pages of its list)."""
    count, url = 0, f"{engine}/v1/predictions"
    with httpx.Client(timeout=30) as http:
        while url:
            page = http.get(url).json()
            count += sum(p.get("model") == MODEL for p in page["results"])
            url = page.get("next")
    return count


def start(args: argparse.Namespace, tmp: Path, max_waiting: int
          ) -> tuple[subprocess.Popen[str], str, str]:
    demo = tmp / "demo.toml"
    demo.write_text(DEMO.format(concurrent=args.concurrent_runs, max_waiting=max_waiting))
    port = free_port()
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(tmp / "data"), "PYTHONPATH": str(ROOT),
           "GRADIO_ANALYTICS_ENABLED": "False", "OMP_WAIT_POLICY": "PASSIVE"}
    for key in ("REPLICATE_API_TOKEN", "REPLICATE_BASE_URL", "PLAYGROUND_AUTH"):
        env.pop(key, None)
    cmd = [sys.executable, "-m", "playground", "--backend", "local", "--demo", str(demo),
           "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "is ready" in line:
            break
    else:
        raise SystemExit("playground exited before it was ready:\n" + "".join(seen[-20:]))
    threading.Thread(target=lambda: [None for _ in proc.stdout or []], daemon=True).start()
    engine_ports = listening_ports(proc.pid) - {port}
    if len(engine_ports) != 1:
        raise SystemExit(f"cannot tell the engine's port among {sorted(engine_ports)}")
    return proc, f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{engine_ports.pop()}"


def client(url: str) -> Client:
    # A browser's request waits for its answer; gradio_client's gives up after httpx's 5 s,
    # which 250 joins at once on 2 busy cores can pass (the run then goes on, unheard).
    return Client(url, verbose=False, download_files=False, analytics_enabled=False,
                  httpx_kwargs={"timeout": httpx.Timeout(120.0)})


def upscale(visitor: Client, image: Path) -> Any:
    return visitor.submit(handle_file(str(image)), 2, False, None, "full", None,
                          api_name="/upscale")


def one_round(args: argparse.Namespace, label: str, url: str, engine: str, tmp: Path,
              round_no: int, sampler: Sampler, pid: int) -> Round:
    out = Round(label)
    with ThreadPoolExecutor(8) as pool:  # sessions first: each fetches the page's config
        visitors = list(pool.map(lambda _: client(url), range(args.visitors)))
    asked = [args.per_visitor + (i % 2) for i in range(args.visitors)]  # 2 or 3 each
    pictures = [[picture(tmp, i, r, round_no, args.side) for r in range(n)]
                for i, n in enumerate(asked)]
    made_before = engine_count(engine)
    time.sleep(args.settle)
    out.rss["before"] = memory(pid)["rss"]
    sampler.reset()
    started = time.monotonic()
    for i, visitor in enumerate(visitors):  # all at once: submit returns at once
        for image in pictures[i]:
            entry = Job(i, upscale(visitor, image))
            entry.job.add_done_callback(lambda _, e=entry: setattr(e, "done_at",
                                                                   time.monotonic()))
            out.jobs.append(entry)
    wait_all([e.job for e in out.jobs], timeout=args.timeout)
    out.took = time.monotonic() - started
    out.rss["peak"] = sampler.peak
    for entry in out.jobs:
        judge(entry)
    for i in range(args.visitors):
        ends = [e.done_at for e in out.jobs if e.visitor == i]
        if all(t is not None for t in ends):
            out.wall.append(max(t for t in ends if t is not None) - started)
    time.sleep(args.settle)
    out.engine_made = engine_count(engine) - made_before
    out.host_line = re.sub(r"<[^>]+>|\*\*", "", client(url).predict(api_name="/host_stats")
                           ).splitlines()[0].strip()
    for visitor in visitors:
        visitor.close()
    del visitors
    time.sleep(args.settle)
    out.rss["after"] = memory(pid)["rss"]
    return out


def scenario(args: argparse.Namespace, name: str, max_waiting: int, rounds: int) -> list[Round]:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-demo-{name}-"))
    proc, url, engine = start(args, tmp, max_waiting)
    try:
        sampler = Sampler(proc.pid)
        sampler.start()
        idle = memory(proc.pid)["rss"]
        warm = client(url)  # loads the model: its memory is not the room's
        warm_up = upscale(warm, picture(tmp, 9999, 0, 0, args.side)).result(timeout=300)
        assert "Done" in str(warm_up[2]), warm_up[2]
        warm.close()
        print(f"[{name}] server ready (pid {proc.pid}); RSS idle {idle:,.0f} MB, after one "
              f"warm-up run {memory(proc.pid)['rss']:,.0f} MB; max_waiting {max_waiting}",
              flush=True)
        done = []
        for n in range(rounds):
            label = f"{name} {n + 1}" if rounds > 1 else name
            r = one_round(args, label, url, engine, tmp, n, sampler, proc.pid)
            print(f"[{label}] {len(r.jobs)} runs in {r.took:.1f} s; RSS before "
                  f"{r.rss['before']:,.0f}, peak {r.rss['peak']:,.0f}, after "
                  f"{r.rss['after']:,.0f} MB; host view: {r.host_line}", flush=True)
            done.append(r)
        sampler.stop.set()
        return done
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def table(rounds: list[Round], visitors: int) -> None:
    print()
    print("| scenario | visitors | runs asked | served | refused (words) | failed | lost "
          "| told their place | max place | reached engine | per-visitor wall p50 / max "
          "| RSS before / peak / after |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rounds:
        count = {k: sum(e.outcome == k for e in r.jobs)
                 for k in ("served", "refused", "failed", "lost")}
        words = sorted({e.said for e in r.jobs if e.outcome == "refused"})
        refused = f"{count['refused']}" + (f" ({', '.join(words)})" if words else "")
        told = sum(e.told for e in r.jobs)
        at_once = sum(e.outcome == "served" and not e.told for e in r.jobs)
        wall = (f"{statistics.median(r.wall):.0f} / {max(r.wall):.0f} s" if r.wall else "-")
        print(f"| {r.label} | {visitors} | {len(r.jobs)} | {count['served']} | {refused} "
              f"| {count['failed']} | {count['lost']} | {told} (+{at_once} started at once) "
              f"| {max((e.max_place for e in r.jobs), default=0)} | {r.engine_made} | {wall} "
              f"| {r.rss['before']:,.0f} / {r.rss['peak']:,.0f} / {r.rss['after']:,.0f} MB |")
    for r in rounds:
        late = sum(e.told_late for e in r.jobs)
        print(f"{r.label}: told their place only after the run started: {late}; the host's "
              f"view afterwards: {r.host_line}")
        for e in r.jobs:
            if e.outcome in ("failed", "lost"):
                print(f"  visitor {e.visitor}: {e.outcome}: {e.said}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, default=100)
    parser.add_argument("--per-visitor", type=int, default=2,
                        help="runs each visitor asks at once (every other one asks one more)")
    parser.add_argument("--concurrent-runs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="batches in the 'room' scenario")
    parser.add_argument("--full-at", type=int, default=50, help="max_waiting of 'full'")
    parser.add_argument("--side", type=int, default=64, help="the pictures' side, px")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds a round waits for its last answer")
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--only", choices=["room", "full"])
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"{os.cpu_count()} cores", flush=True)
    rounds: list[Round] = []
    if args.only in (None, "room"):
        asked = args.visitors * (args.per_visitor + 1)
        rounds += scenario(args, "room", asked * 2, args.rounds)
    if args.only in (None, "full"):
        rounds += scenario(args, "full", args.full_at, 1)
    table(rounds, args.visitors)
    print(f"\nload average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
