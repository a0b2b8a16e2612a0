"""The first chat token of a new conversation: through the app against the engine's own SSE
stream, side by side.

    .venv/bin/python bench/chat_first_token.py [N] [--browser]

Starts the embedded engine with the real local chat model and the real app on loopback, in a
process of their own (as `playground` runs them; the clients here, like a browser, are not in
it), then N times each (default 10), alternating which goes first, a new conversation with a prompt
never asked before (so no prompt cache helps either side):

- engine: `POST /v1/models/<local chat model>/predictions` with `stream: true` and the
  same input the service sends, then its SSE stream until the first non-empty `output`;
- app: the `/chat` endpoint through Gradio's queue as the page's own JS client calls an event:
  `POST /gradio_api/queue/join` on a kept-alive connection, then the session's SSE stream
  (`GET /gradio_api/queue/data`) until the first update whose answer text is not empty;
- gradio_client: the same endpoint through `Client.submit(..., api_name="/chat")`. It adds a
  cost of its own: its SSE reader hands messages over by polling every 50 ms
  (`gradio_client.utils.stream_sse_v1plus`: `time.sleep(0.05)`), and each submit opens new
  connections from new threads; no page works that way;
- browser (`--browser`): the real page (every tab, opened on Chat by its link) in Chromium,
  from Enter in the chat box to the first answer text in the DOM. The page takes the message
  and starts the answer's queued event first, then shows the message beside it
  (ui/tabs/chat_send.py); Chromium renders the answer. Chromium shares this machine's cores with the
  app and the model, so its work also slows the model's first token here (not so for a visitor
  on another computer). The page's own clock is read every 250 ms, not at every frame (that
  polling would be work in the page, and so on the model's cores, during the measurement).

All are timed from the moment the request starts. Prints each round, the medians and each
side's median difference to the engine (goal: app <= engine + 50 ms); nothing is asserted.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before llama.cpp loads
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import json  # noqa: E402
import uuid  # noqa: E402

import httpx  # noqa: E402
from gradio_client import Client  # noqa: E402

from playground.chat_prompt import render_prompt  # noqa: E402
from playground.engine.models import registry  # noqa: E402
from playground.engine.server import EngineThread  # noqa: E402
from playground.service import Service  # noqa: E402
from playground.ui.app import build_app, serve  # noqa: E402

SYSTEM = "You are brief."
MAX_TOKENS = 16


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def engine_input(service: Service, message: str) -> tuple[str, dict[str, Any]]:
    """What the service sends for a new conversation (its chat() does the same steps)."""
    chosen = service.preset("chat")
    settings = chosen.chat_for("local")
    assert settings is not None
    sent = chosen.inputs_for("local")
    sent.update({"max_tokens": MAX_TOKENS, "temperature": 0, "top_p": 0.9,
                 "system_prompt": SYSTEM})
    if settings.prompt_template:
        sent["prompt_template"] = settings.prompt_template
    sent["prompt"] = render_prompt(settings.format, [], message)
    return chosen.ref_for("local"), sent


def direct(engine_url: str, ref: str, sent: dict[str, Any]) -> float:
    with httpx.Client(base_url=engine_url, timeout=60) as http:
        start = time.perf_counter()
        created = http.post(f"/v1/models/{ref}/predictions",
                            json={"input": sent, "stream": True}).json()
        first = None
        with http.stream("GET", created["urls"]["stream"],
                         headers={"Accept": "text/event-stream"}) as r:
            event = ""
            for line in r.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                    if event == "done":
                        break
                elif line.startswith("data:") and event == "output" and line[5:].strip():
                    first = first or time.perf_counter() - start
        # read to the end (like the app's run): the next conversation starts on an idle model
    if first is None:
        raise RuntimeError("the stream ended without output")
    return first


def has_text(message: dict[str, Any]) -> bool:
    """A queue message carrying answer text: the full value, or a diff (sse_v3) adding some."""
    data = (message.get("output") or {}).get("data") or [None]
    answer = data[0]
    if isinstance(answer, str):
        return bool(answer.strip())
    return isinstance(answer, list) and any(
        isinstance(op, list) and len(op) == 3 and isinstance(op[2], str) and op[2].strip()
        for op in answer)


def _join(http: httpx.Client, session: str, fn_index: int, data: list[Any]) -> None:
    joined = http.post("/gradio_api/queue/join", json={
        "data": data, "fn_index": fn_index, "session_hash": session, "event_data": None,
        "trigger_id": None})
    joined.raise_for_status()


def _messages(http: httpx.Client, session: str) -> Iterator[dict[str, Any]]:
    """The session's SSE stream, message by message, until its event ends."""
    with http.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as r:
        for line in r.iter_lines():
            if line.startswith("data:"):
                said = json.loads(line[5:])
                yield said
                if said["msg"] in ("close_stream", "unexpected_error"):
                    return


def through_page(http: httpx.Client, fn_index: int, opener: dict[str, Any],
                 message: str) -> float:
    """`/chat` as the page's JS client calls an event: join the queue, read the session's SSE
    stream. A new session each time (a new conversation, as on a fresh page), opened first as
    the page opens it, by its load events (here the token status): Gradio builds a session's
    state at its first event, which on a page is part of loading it, not of Enter."""
    session = uuid.uuid4().hex[:11]
    _join(http, session, opener["id"], [None] * len(opener["inputs"]))
    for _ in _messages(http, session):
        pass
    data = [message, None, SYSTEM, MAX_TOKENS, 0, 0.9, "llama-3.1-405b", None]
    start = time.perf_counter()
    _join(http, session, fn_index, data)
    first = None
    for said in _messages(http, session):
        if said["msg"] == "process_generating" and first is None and has_text(said):
            first = time.perf_counter() - start
    if first is None:
        raise RuntimeError("the app answered nothing")
    return first


def through_app(client: Client, message: str) -> float:
    client.reset_session()  # a new session: the chat tab keeps each session's conversation
    start = time.perf_counter()
    job = client.submit(message, SYSTEM, MAX_TOKENS, 0, 0.9, "llama-3.1-405b", None,
                        api_name="/chat")
    for update in job:
        text = update[0] if isinstance(update, tuple | list) else update
        if isinstance(text, str) and text.strip():
            first = time.perf_counter() - start
            job.result()  # let it finish: the next conversation starts on an idle model
            return first
    raise RuntimeError(f"the app answered nothing: {job.status()}")


BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
# Enter (the keydown) to the first answer text in the DOM, both read from the page's own clock.
WATCH = """() => { window.__asked = null; window.__answered = null;
  document.addEventListener('keydown', e => {
    if (e.key === 'Enter' && window.__asked === null) window.__asked = performance.now(); }, true);
  const chat = document.querySelector('#chat-chatbot');
  new MutationObserver(() => {
    if (window.__answered !== null || window.__asked === null) return;
    for (const m of chat.querySelectorAll('.message.bot')) {
      const text = m.innerText;
      if (/\\w/.test(text) && !/Loading content/.test(text)) {
        window.__answered = performance.now(); return; } }
  }).observe(chat, {subtree: true, childList: true, characterData: true}); }"""


CHAIN: list[float] = []  # per browser round: Enter to the answer's queue join leaving the page


def through_browser(page: Any, url: str, message: str) -> float:
    """The real page: a fresh load (a new conversation), the bench's settings, Enter."""
    page.goto(f"{url}?tab=chat")  # the link to the Chat tab, as a visitor would open it
    page.wait_for_selector("#chat-input textarea")
    page.locator("#chat-settings").get_by_text("Settings").first.click()
    page.locator("#chat-system-prompt textarea").fill(SYSTEM)
    for elem_id, value in (("chat-max-tokens", MAX_TOKENS), ("chat-temperature", 0)):
        box = page.locator(f"#{elem_id} input[type=number]")
        box.fill(str(value))
        box.press("Tab")
    page.evaluate(WATCH)
    page.locator("#chat-input textarea").fill(message)
    page.wait_for_timeout(1000)  # as a person would: the page's own load events are over
    page.locator("#chat-input textarea").press("Enter")
    page.wait_for_function("window.__answered !== null", timeout=60_000, polling=250)
    first = float(page.evaluate("window.__answered - window.__asked")) / 1e3
    page.locator("#chat-status").get_by_text("Done").wait_for(timeout=60_000)
    # When the answer's own request (the last queue join before its first text) left the
    # page: what the page's steps before it cost.
    joins = page.evaluate("""() => performance.getEntriesByType('resource')
        .filter(e => e.name.includes('/queue/join') && e.startTime > window.__asked
                     && e.startTime < window.__answered)
        .map(e => e.startTime - window.__asked)""")
    CHAIN.append(float(joins[-1]) / 1e3 if joins else float("nan"))
    return first


def serve_app(data: Path) -> None:
    """The app's process: the engine in a thread and the whole page, as `playground` runs
    them (the page's cost grows with its other tabs: see docs/benchmarks.md)."""
    with EngineThread(registry(), data / "engine") as engine:
        demo = build_app(Service(engine.url, data_dir=data / "app"))
        _, url, _ = serve(demo, data / "app", port=free_port(), block=False)
        print(engine.url, url, flush=True)
        sys.stdin.read()  # until the bench closes our stdin
        demo.close()


def run(engine_url: str, url: str, data: Path, n: int, page: Any) -> dict[str, list[float]]:
    service = Service(engine_url, data_dir=data / "bench")  # builds inputs only
    client = Client(url, verbose=False, download_files=str(data / "downloads"))
    fn_index = client._infer_fn_index("/chat", None)
    opener = min((d for d in client.config["dependencies"]  # a page-load event
                  if d.get("backend_fn") and any(t[1] == "load" for t in d["targets"])),
                 key=lambda d: len(d["inputs"]))
    http = httpx.Client(base_url=url, timeout=60)
    sides: dict[str, Any] = {
        "engine": lambda m: direct(engine_url, *engine_input(service, m)),
        "app": lambda m: through_page(http, fn_index, opener, m),
        "gradio_client": lambda m: through_app(client, m),
    }
    if page is not None:
        sides["browser"] = lambda m: through_browser(page, url, m)
    for side, ask in sides.items():  # loads the model, warms each path
        ask(f"Hello from {side}.")
    times: dict[str, list[float]] = {side: [] for side in sides}
    names = list(sides)
    for i in range(n):
        order = names[i % len(names):] + names[:i % len(names)]  # each side goes first in turn
        for k, side in enumerate(order):
            times[side].append(sides[side](f"Name a color. Question {len(names) * i + k}."))
        print(f"  {i + 1:2d}: " + "   ".join(
            f"{side} {times[side][-1] * 1e3:6.1f} ms" for side in names), flush=True)
    http.close()
    return times


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve_app(Path(sys.argv[2]))
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 10
    with tempfile.TemporaryDirectory(prefix="bench-chat-") as tmp:
        data = Path(tmp)
        proc = subprocess.Popen([sys.executable, __file__, "--serve", str(data)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            engine_url, url = proc.stdout.readline().split()
            if "--browser" in sys.argv:
                from playwright.sync_api import sync_playwright

                with sync_playwright() as pw:
                    browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=BROWSER_ARGS)
                    page = browser.new_page()
                    page.set_default_timeout(60_000)
                    times = run(engine_url, url, data, n, page)
                    browser.close()
            else:
                times = run(engine_url, url, data, n, None)
        finally:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(30)
    engine = times["engine"]
    print(f"median first token (of {n}): engine {statistics.median(engine) * 1e3:.1f} ms")
    for side, took in times.items():
        if side == "engine":
            continue
        extra = statistics.median(a - e for a, e in zip(took, engine, strict=True))
        print(f"  {side:13s} {statistics.median(took) * 1e3:6.1f} ms; {side} - engine "
              f"{extra * 1e3:+6.1f} ms (median of the rounds' differences; goal <= +50 ms)")
    if CHAIN:
        chain = statistics.median(CHAIN[1:]) * 1e3  # the first is the warm-up's
        print(f"  browser: Enter to the answer's own request leaving the page (the chain's "
              f"steps before it): median {chain:.1f} ms")


if __name__ == "__main__":
    main()
