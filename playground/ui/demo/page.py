"""What demo mode adds around the tabs: the host's banner, the kiosk's idle reset (a script in
the page's head), and each page load noted as a visitor here now (the Host tab counts them)."""

from __future__ import annotations

import html
import json

import gradio as gr

from playground.demo import DemoSettings
from playground.ui.context import AppContext
from playground.ui.serving.browser_cookie import KIOSK_HEADER, KIOSK_RESET
from playground.ui.serving.owners import TOKEN_STORAGE_KEY


def banner(settings: DemoSettings) -> None:
    """The host's words at the top of the page, and how a public screen behaves."""
    lines = []
    if settings.kiosk.banner:
        lines.append(html.escape(settings.kiosk.banner, quote=False))
    if settings.kiosk.idle_reset_minutes:
        minutes = settings.kiosk.idle_reset_minutes
        shown = (f"{round(minutes * 60)} seconds" if minutes < 1 else
                 f"{minutes:g} minute{'s' if minutes != 1 else ''}")
        lines.append(f"This screen clears itself after {shown} without use: your runs and "
                     "anything you typed are not left for the next person.")
    if lines:
        gr.Markdown("  \n".join(lines), elem_id="demo-banner")


def kiosk_script(settings: DemoSettings | None) -> str:
    """A script for the page's head: after the idle time, the page forgets this browser (a new
    owner cookie, so the History is empty; the saved token deleted) and opens afresh."""
    if settings is None or not settings.kiosk.idle_reset_minutes:
        return ""
    config = json.dumps({"ms": int(settings.kiosk.idle_reset_minutes * 60_000),
                         "path": KIOSK_RESET.lstrip("/"), "header": KIOSK_HEADER,
                         "token": TOKEN_STORAGE_KEY})
    return f"""<script>
(() => {{
  const c = {config};
  let last = Date.now();
  for (const kind of ["pointerdown", "keydown", "input", "wheel", "touchstart", "scroll"]) {{
    window.addEventListener(kind, () => {{ last = Date.now(); }}, {{capture: true, passive: true}});
  }}
  async function reset() {{
    try {{ window.localStorage.removeItem(c.token); }} catch (e) {{}}
    try {{ window.sessionStorage.clear(); }} catch (e) {{}}
    try {{
      await fetch(new URL(c.path, window.location.href.split("?")[0]),
                  {{method: "POST", headers: {{[c.header]: "1"}}, credentials: "same-origin"}});
    }} catch (e) {{}}
    window.location.replace(window.location.pathname);
  }}
  window.setInterval(() => {{ if (Date.now() - last >= c.ms) reset(); }}, 1000);
}})();
</script>
"""


def wire_seen(ctx: AppContext, demo: gr.Blocks) -> None:
    """Each page load is a visitor here now (the Host tab's count)."""
    gate = ctx.service.gate
    if gate is None:
        return

    def seen(request: gr.Request) -> None:
        gate.saw(ctx.owners.of(request))

    demo.load(seen, queue=False, api_visibility="private", show_progress="hidden")
