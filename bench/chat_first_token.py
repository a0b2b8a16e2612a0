"""The first chat token of a new conversation: through the app (gradio_client, the same queue
and SSE a browser uses) against the engine's own SSE stream, side by side.

    .venv/bin/python bench/chat_first_token.py [N]

Starts the embedded engine with the real local chat model and the real app on loopback, in a
process of their own (as `playground` runs them; the clients here, like a browser, are not in
it), then N times each (default 10), alternating which goes first, a new conversation with a prompt
never asked before (so no prompt cache helps either side):

- engine: `POST /v1/models/<local chat model>/predictions` with `stream: true` and the
  same input the service sends, then its SSE stream until the first non-empty `output`;
- app: `Client.submit(..., api_name="/chat")` until the first update whose answer text is
  not empty.

Both are timed from the moment the request starts. Prints each pair, the medians and the
difference (goal: app <= engine + 50 ms); nothing is asserted.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before llama.cpp loads
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

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


def serve_app(data: Path) -> None:
    """The app's process: the engine in a thread and the chat tab, as `playground` runs them."""
    with EngineThread(registry(), data / "engine") as engine:
        demo = build_app(Service(engine.url, data_dir=data / "app"), tabs=["chat"])
        _, url, _ = serve(demo, data / "app", port=free_port(), block=False)
        print(engine.url, url, flush=True)
        sys.stdin.read()  # until the bench closes our stdin
        demo.close()


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve_app(Path(sys.argv[2]))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory(prefix="bench-chat-") as tmp:
        data = Path(tmp)
        proc = subprocess.Popen([sys.executable, __file__, "--serve", str(data)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            engine_url, url = proc.stdout.readline().split()
            service = Service(engine_url, data_dir=data / "bench")  # builds inputs only
            client = Client(url, verbose=False, download_files=str(data / "downloads"))
            ref, warm = engine_input(service, "Hello.")
            direct(engine_url, ref, warm)  # loads the model
            through_app(client, "Hi.")
            pairs = []
            for i in range(n):
                asked = [f"Name a color. Question {2 * i + k}." for k in (0, 1)]
                times: dict[str, float] = {}
                order = ("engine", "app") if i % 2 == 0 else ("app", "engine")
                for side, message in zip(order, asked, strict=True):
                    if side == "engine":
                        times[side] = direct(engine_url, *engine_input(service, message))
                    else:
                        times[side] = through_app(client, message)
                pairs.append(times)
                extra = (times["app"] - times["engine"]) * 1e3
                print(f"  {i + 1:2d}: engine {times['engine'] * 1e3:6.1f} ms   app "
                      f"{times['app'] * 1e3:6.1f} ms   {extra:+6.1f} ms")
        finally:
            if proc.stdin:
                proc.stdin.close()
            proc.wait(30)
    eng = statistics.median(p["engine"] for p in pairs)
    app = statistics.median(p["app"] for p in pairs)
    diff = statistics.median(p["app"] - p["engine"] for p in pairs)
    print(f"median first token: engine {eng * 1e3:.1f} ms, app {app * 1e3:.1f} ms; app - engine "
          f"{diff * 1e3:+.1f} ms (median of the pairs; goal <= +50 ms)")


if __name__ == "__main__":
    main()
