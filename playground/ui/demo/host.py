"""The Host tab (demo mode): the room at a glance, Pause all / Resume, the limits changed live,
and the join link with a QR code for the big screen.

Only the host sees it: the `--auth` user the demo file names (`[host] user`), or a browser on
this computer (`[host] on_this_computer`). Every handler checks that again on the server, so
calling its endpoints from elsewhere shows and changes nothing.
"""

from __future__ import annotations

import html
import ipaddress
from dataclasses import asdict, fields
from typing import Any
from urllib.parse import urlsplit

import gradio as gr
import segno

from playground.demo import DemoFileError, Limits
from playground.service import Gate, GateStats
from playground.ui.context import AppContext
from playground.ui.kit.runner import bind, pill
from playground.ui.serving.owners import address_of

TAB = "host"
REFRESH_SECONDS = 3.0
NOT_HOST = "Only the host of this demo sees this."
LIMIT_LABELS = {
    "runs_per_visitor_per_hour": "Runs per visitor per hour",
    "runs_per_address_per_hour": "Runs per address per hour",
    "concurrent_runs_per_visitor": "Runs at once per visitor",
    "concurrent_runs": "Runs at once in all",
    "max_waiting": "Most runs waiting",
    "spend_cap_usd": "Spending cap (USD)",
    "max_run_seconds": "Longest run (seconds)",
}


def is_host(ctx: AppContext, request: gr.Request | None) -> bool:
    """Whether this request is the host's: by login, or from this computer when allowed."""
    if ctx.demo is None or request is None:
        return False
    host = ctx.demo.host
    if host.user and request.username == host.user:
        return True
    if host.on_this_computer:
        try:
            return ipaddress.ip_address(address_of(request)).is_loopback
        except ValueError:
            return False
    return False


def stats_markdown(stats: GateStats, *, spends: bool = True) -> str:
    """The room in three lines; `spends`: whether runs here can spend the host's money (not
    on this computer's engine, nor when every visitor brings their own token)."""
    limits = stats.limits
    cap = (f" of ${limits.spend_cap_usd:.2f}" if limits.spend_cap_usd else " (no cap)")
    spend = (f"**Estimated spend** on your token: ${stats.spent_usd:.4f}{cap}" if spends else
             "**Spend**: none on your account (the models run on this computer, or each "
             "visitor brings their own token)")
    state = pill("warn", "Paused") if stats.paused else pill("ok", "Running")
    busiest = ", ".join(f"{html.escape(m)} ({n})" for m, n in stats.busiest) or "none yet"
    return "  \n".join([
        f"{state} **{stats.visitors_now}** visitors now · **{stats.runs_last_hour}** runs in "
        f"the last hour · **{stats.running}** running · **{stats.waiting}** waiting",
        spend,
        f"**Busiest models** (last hour): {busiest}",
    ])


def _spends(ctx: AppContext) -> bool:
    return ctx.has_server_token and not ctx.backend.is_local


def join_html(url: str) -> str:
    """The join link and its QR code (an inline SVG image: nothing is fetched)."""
    qr = segno.make(url, error="m")
    picture = qr.svg_data_uri(scale=6, border=2, dark="#111827", light="#ffffff")
    link = html.escape(url)
    note = ""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.startswith("127.") or host == "::1":
        note = ("<p id='host-join-note'>This server listens on this computer only: start it "
                "with <code>--host 0.0.0.0</code> so that phones in the room can join.</p>")
    return (f"<div id='host-join-box'><p>Join: <a href='{link}' id='host-join-link'>{link}</a>"
            f"</p>{note}<img src='{picture}' alt='QR code for {link}' id='host-qr' width='240' "
            "height='240'></div>")


def refresh(ctx: AppContext, request: gr.Request) -> str:
    gate = ctx.service.gate
    if gate is None or not is_host(ctx, request):
        return NOT_HOST
    return stats_markdown(gate.stats(), spends=_spends(ctx))


def pause(ctx: AppContext, paused: bool, request: gr.Request) -> str:
    gate = ctx.service.gate
    if gate is None or not is_host(ctx, request):
        return NOT_HOST
    gate.pause(paused)
    return stats_markdown(gate.stats(), spends=_spends(ctx))


def change_limits(ctx: AppContext, per_visitor: float | None, per_address: float | None,
                  at_once_each: float | None, at_once: float | None, waiting: float | None,
                  cap: float | None, seconds: float | None, request: gr.Request
                  ) -> tuple[str, str]:
    """The limits as the host typed them, checked as the demo file's are (an empty box keeps
    its limit; runs per address empty: five times the runs per visitor)."""
    gate = ctx.service.gate
    if gate is None or not is_host(ctx, request):
        return NOT_HOST, NOT_HOST
    typed = [per_visitor, per_address, at_once_each, at_once, waiting, cap, seconds]
    asked = {name: value for name, value in zip(LIMIT_LABELS, typed, strict=True)
             if value is not None or name == "runs_per_address_per_hour"}
    try:
        limits = gate.limits.changed(asked)
    except DemoFileError as exc:
        return (f"{pill('err', 'Not changed')} {html.escape(str(exc))}",
                stats_markdown(gate.stats(), spends=_spends(ctx)))
    gate.set_limits(limits)
    return (f"{pill('ok', 'Changed')} The new limits apply from the next run.",
            stats_markdown(gate.stats(), spends=_spends(ctx)))


def opened(ctx: AppContext, gate: Gate, request: gr.Request) -> tuple[Any, ...]:
    """The tab shows only for the host; for them, its values and the refresh timer."""
    if not is_host(ctx, request):
        return gr.Tab(visible=False), gr.Timer(active=False), NOT_HOST, \
            *[gr.skip() for _ in LIMIT_LABELS]
    limits = asdict(gate.limits)
    shown = stats_markdown(gate.stats(), spends=_spends(ctx))
    return gr.Tab(visible=True), gr.Timer(active=True), shown, \
        *[limits[name] for name in LIMIT_LABELS]


def build(ctx: AppContext, demo: gr.Blocks, tabs: gr.Tabs) -> None:
    """The Host tab, hidden until the page learns it is the host's (call inside `tabs`)."""
    gate = ctx.service.gate
    assert ctx.demo is not None and gate is not None
    with gr.Tab("Host", id=TAB, elem_id=f"{TAB}-tab", visible=False) as tab:
        with gr.Column(elem_classes=["tab-scope"]):
            stats = gr.Markdown(NOT_HOST, elem_id="host-stats")
            with gr.Row():
                pause_btn = gr.Button("Pause all", variant="stop", elem_id="host-pause",
                                      min_width=120)
                resume_btn = gr.Button("Resume", variant="primary", elem_id="host-resume",
                                       min_width=120)
            gr.HTML(join_html(ctx.demo.host.join_url), elem_id="host-join")
            with gr.Accordion("Limits", open=False, elem_id="host-limits-box"):
                boxes = [gr.Number(label=label, minimum=0, precision=None if "usd" in name
                                   or "seconds" in name else 0,
                                   elem_id=f"host-limit-{name.replace('_', '-')}")
                         for name, label in LIMIT_LABELS.items()]
                gr.Markdown("0 means no limit. Runs per address: leave empty for five times "
                            "the runs per visitor.", elem_id="host-limits-help")
                apply = gr.Button("Apply the limits", elem_id="host-apply")
                said = gr.Markdown("", elem_id="host-limits-status")
    timer = gr.Timer(REFRESH_SECONDS, active=False)
    timer.tick(bind(refresh, ctx), outputs=[stats], show_progress="hidden",
               api_visibility="private")
    demo.load(bind(opened, ctx, gate), outputs=[tab, timer, stats, *boxes],
              api_visibility="private", show_progress="hidden")
    pause_btn.click(bind(pause, ctx, True), outputs=[stats], api_name="host_pause",
                    show_progress="hidden")
    resume_btn.click(bind(pause, ctx, False), outputs=[stats], api_name="host_resume",
                     show_progress="hidden")
    apply.click(bind(change_limits, ctx), inputs=boxes, outputs=[said, stats],
                api_name="host_limits", show_progress="hidden")
    gr.on([tab.select], bind(refresh, ctx), outputs=[stats], api_name="host_stats",
          show_progress="hidden")
    assert [f.name for f in fields(Limits)] == list(LIMIT_LABELS)  # one label per limit
