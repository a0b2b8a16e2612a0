"""Page load: the whole app opened on Chat by its link against a bare gr.ChatInterface, side by
side, in Chromium.

    .venv/bin/python bench/page_load.py [N] [--tabs=chat,history] [--before=CHECKOUT]

Starts, each in a process of its own on loopback, the real app (the embedded engine in a
thread, a history, every tab: as `playground --backend local` runs it) and a bare
`gr.ChatInterface` on an echo function, with the same Gradio; with `--before=CHECKOUT`, also the
app from another checkout of this project (its `playground` on PYTHONPATH: main, say), so
before and after are measured in the same rounds. Then N times each (default 9), each side
first in turn: a new browser context (no cache, no cookie, no saved token), navigate (the app
to `?tab=chat`), and wait for the chat box to be enabled (`#chat-input textarea` in the app,
the ChatInterface's textbox in the bare one). Times are the page's own clock
(`performance.now()`, from the navigation's start), noted by a MutationObserver installed
before the page's scripts run; Python polls for it every 100 ms, outside the measured work.
`--tabs=chat` builds only those tabs of the app (what the others cost).

Also printed, so levers are chosen by measurement:
- each side's config (inlined in the page's HTML): its size in KB, its components and events;
- the app's page-load events (targets `load`) and what follows them, whether they queue, how
  many outputs they update, and what each costs through Gradio's own protocol: as the
  session's first event (which builds the session's state) and again in that session;
- per side, the medians of DOMContentLoaded and of the first page-load event's request leaving
  the page, against the box being enabled.

Prints each round, the medians and the ratios to the bare side (goal: app <= 1.5x); nothing is
asserted.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import json  # noqa: E402

import httpx  # noqa: E402

BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
BOX = {"app": "#chat-input textarea", "bare": "textarea[data-testid=textbox]"}
# Installed in each new context before any of the page's scripts: the first moment the box
# exists and is enabled, on the page's clock (navigation start is 0).
WATCH = """(selector) => {
  window.__ready = null;
  const check = () => {
    if (window.__ready !== null) return true;
    const box = document.querySelector(selector);
    if (box && !box.disabled && box.offsetParent !== null) {
      window.__ready = performance.now(); return true; }
    return false;
  };
  const start = () => {
    if (check()) return;
    const seen = new MutationObserver(() => { if (check()) seen.disconnect(); });
    seen.observe(document, {subtree: true, childList: true, attributes: true,
                            attributeFilter: ["disabled", "style", "class", "hidden"]});
  };
  if (document.documentElement) start(); else document.addEventListener("readystatechange", start);
}"""
# What the page's clock says about the load: DOMContentLoaded, and when the first of the
# page's own requests for its page-load events left (null: none yet).
TIMINGS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const sent = performance.getEntriesByType("resource")
    .filter((e) => e.name.includes("/queue/join") || e.name.includes("/run/predict"))
    .map((e) => e.startTime);
  return {dcl: nav.domContentLoadedEventEnd, first_event: sent.length ? Math.min(...sent) : null};
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_app(data: Path, tabs: list[str] | None) -> None:
    """The app's process, as `playground --backend local` runs it (engine in a thread);
    `tabs` builds only those tabs (what the others cost)."""
    from playground.engine.models import registry
    from playground.engine.server import EngineThread
    from playground.history import RunStore
    from playground.service import RunHistory, Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    with EngineThread(registry(), data / "engine") as engine:
        service = Service(engine.url, data_dir=data / "app",
                          history=RunHistory(RunStore(data / "app")))
        ctx = make_context(service)
        demo = build_app(ctx, tabs=tabs)
        _, url, _ = serve(demo, ctx, port=free_port(), block=False)
        print(url, flush=True)
        sys.stdin.read()  # until the bench closes our stdin
        demo.close()


def serve_bare() -> None:
    """A bare gr.ChatInterface on an echo function, with Gradio's defaults."""
    import gradio as gr

    def echo(message: str, history: list[Any]) -> str:
        return message

    demo = gr.ChatInterface(echo, analytics_enabled=False)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(),
                            prevent_thread_lock=True, quiet=True)
    print(url, flush=True)
    sys.stdin.read()
    demo.close()


def config_of(url: str) -> tuple[dict[str, Any], int]:
    r = httpx.get(f"{url.rstrip('/')}/config", timeout=30)
    r.raise_for_status()
    return r.json(), len(r.content)


def _event(http: httpx.Client, session: str, dep: dict[str, Any]) -> float:
    """One event as the page calls it (queue join and the session's stream, or run/predict)."""
    data = [None] * len(dep["inputs"])
    start = time.perf_counter()
    if dep.get("queue") is False:
        http.post("/gradio_api/run/predict", json={
            "data": data, "fn_index": dep["id"], "session_hash": session,
            "event_data": None, "trigger_id": None}).raise_for_status()
        return time.perf_counter() - start
    http.post("/gradio_api/queue/join", json={
        "data": data, "fn_index": dep["id"], "session_hash": session, "event_data": None,
        "trigger_id": None}).raise_for_status()
    with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as r:
        for line in r.iter_lines():
            if line.startswith("data:") and json.loads(line[5:])["msg"] in (
                    "close_stream", "unexpected_error", "process_completed"):
                break
    return time.perf_counter() - start


def load_events(url: str, config: dict[str, Any]) -> list[str]:
    """The page-load events and their chains, each timed through the page's protocol: first in
    a new session (which builds that session's state), then again in the same session."""
    deps = config["dependencies"]
    loads = {d["id"] for d in deps if any(t[1] == "load" for t in d["targets"])}
    chained = {d["id"] for d in deps if d.get("trigger_after") in loads}
    names = {c["id"]: c.get("props", {}).get("elem_id") or c["type"]
             for c in config["components"]}
    lines = []
    with httpx.Client(base_url=url, timeout=60) as http:
        for dep in deps:
            if dep["id"] not in loads | chained:
                continue
            kind = "then" if dep["id"] in chained else "load"
            what = (f"fn {dep.get('api_name') or '-'}" if dep.get("backend_fn")
                    else "js only")
            line = (f"  {kind} #{dep['id']:<4d} {what:28s} queue={dep.get('queue')!s:5s} "
                    f"inputs {len(dep['inputs']):2d} outputs {len(dep['outputs']):2d} "
                    f"(e.g. {', '.join(str(names.get(o)) for o in dep['outputs'][:3])})")
            if dep.get("backend_fn"):
                try:
                    first = statistics.median(_event(http, uuid.uuid4().hex[:11], dep)
                                              for _ in range(3))
                    session = uuid.uuid4().hex[:11]
                    _event(http, session, dep)
                    again = statistics.median(_event(http, session, dep) for _ in range(3))
                    line += (f"\n        new session {first * 1e3:6.1f} ms, "
                             f"again {again * 1e3:6.1f} ms")
                except httpx.HTTPError as e:
                    line += f"\n        not callable alone: {e}"
            lines.append(line)
    return lines


def one_load(browser: Any, side: str, url: str) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        box = BOX["bare" if side == "bare" else "app"]
        context.add_init_script(f"({WATCH})({json.dumps(box)})")
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}?tab=chat" if side != "bare" else url, wait_until="commit")
        page.wait_for_function("window.__ready !== null", polling=100, timeout=60_000)
        ready = float(page.evaluate("window.__ready"))
        if side != "bare":  # when its page-load events start, against the box being enabled
            page.wait_for_function("""() => performance.getEntriesByType("resource").some(
                (e) => e.name.includes("/queue/join"))""", polling=100, timeout=30_000)
        said = page.evaluate(TIMINGS)
        return {"ready": ready, **{k: float(v) for k, v in said.items() if v is not None}}
    finally:
        context.close()


def start(args: list[str], code: str | None = None) -> tuple[subprocess.Popen[str], str]:
    """A server process; `code`: the checkout whose `playground` it imports."""
    env = {**os.environ, **({"PYTHONPATH": code} if code else {})}
    proc = subprocess.Popen([sys.executable, __file__, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip().rstrip("/") + "/"


def main() -> None:
    if sys.argv[1:2] == ["--serve-app"]:
        serve_app(Path(sys.argv[2]), sys.argv[3].split(",") if len(sys.argv) > 3 else None)
        return
    if sys.argv[1:2] == ["--serve-bare"]:
        serve_bare()
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 9
    tabs = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--tabs=")]
    before = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--before=")]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        procs = []
        try:
            servers = {"app": (["--serve-app", f"{tmp}/app", *tabs], None),
                       "bare": (["--serve-bare"], None)}
            if before:  # the same app from another checkout, in the same rounds
                servers["before"] = (["--serve-app", f"{tmp}/before", *tabs], before[0])
            urls = {}
            for side, (args, code) in servers.items():
                proc, urls[side] = start(args, code)
                procs.append(proc)
            for side, url in urls.items():
                config, size = config_of(url)
                print(f"{side}: config {size / 1024:.0f} KB, {len(config['components'])} "
                      f"components, {len(config['dependencies'])} events", flush=True)
                if side != "bare":
                    print(f"{side} page-load events (the protocol's time, median of 3):")
                    print("\n".join(load_events(url, config)), flush=True)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=BROWSER_ARGS)
                for side, url in urls.items():  # warm: the server's first page, the disk
                    one_load(browser, side, url)
                sides = list(urls)
                rounds: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
                for i in range(n):
                    order = sides[i % len(sides):] + sides[:i % len(sides)]  # each first in turn
                    for side in order:
                        rounds[side].append(one_load(browser, side, urls[side]))
                    print(f"  {i + 1:2d}: " + "   ".join(
                        f"{s} {rounds[s][-1]['ready']:7.1f} ms" for s in sides), flush=True)
                browser.close()
        finally:
            for proc in procs:
                if proc.stdin:
                    proc.stdin.close()
            for proc in procs:
                proc.wait(30)

    def med(side: str, key: str) -> float:
        vals = [r[key] for r in rounds[side] if key in r]
        return statistics.median(vals) if vals else float("nan")

    print(f"medians of {n} (ms from navigation start):")
    for side in sides:
        print(f"  {side:6s} box enabled {med(side, 'ready'):7.1f}   DOMContentLoaded "
              f"{med(side, 'dcl'):6.1f}   first page-load event sent "
              f"{med(side, 'first_event'):7.1f}")
    for side in sides:
        if side != "bare":
            ratio = statistics.median(a["ready"] / b["ready"] for a, b in zip(
                rounds[side], rounds["bare"], strict=True))
            print(f"ratio {side} / bare: {med(side, 'ready') / med('bare', 'ready'):.2f}x of "
                  f"the medians, {ratio:.2f}x the median round (goal <= 1.5x)")
    if "before" in rounds:
        ratio = statistics.median(a["ready"] / b["ready"] for a, b in zip(
            rounds["app"], rounds["before"], strict=True))
        print(f"ratio app / before: {ratio:.2f}x the median round")


if __name__ == "__main__":
    main()
