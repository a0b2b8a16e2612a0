"""The page around the tabs: header with the backend, stand-in banner, and the API token box.

The token lives in the browser only, sealed by the server for that browser (AES-GCM, with a key
made from the server's secret and the browser's HttpOnly owner cookie: `service.browser_keys`),
in a `gr.BrowserState`; it travels sealed with each request as an event input and is opened
per request, in memory. It is never stored on the server, nor put back into a visible
component, the environment, a log line or the page's HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from playground.ui.context import AppContext
from playground.ui.demo import host as host_tab
from playground.ui.demo import page as demo_page
from playground.ui.history import tab as history
from playground.ui.kit.runner import pill
from playground.ui.parts import PageParts
from playground.ui.serving import owners


@dataclass(frozen=True)
class TabBuild:
    """One tab to build: its id and label, and its module's `build` (`build(ctx)`, or
    `build(ctx, parts)` when it reads what the tabs before it built)."""

    tab: str
    label: str
    build: Callable[..., Any]
    reads_parts: bool = False

_HERE = Path(__file__).resolve().parent
CSS = (_HERE / "page.css").read_text(encoding="utf-8")
# Ctrl+Enter, the tab in the URL, names for unnamed controls, the before/after sliders.
HEAD = "<script>\n" + (_HERE / "page.js").read_text(encoding="utf-8") + "</script>\n"


def launch_options() -> dict[str, Any]:
    """What Gradio 6 takes at launch() rather than in Blocks(): theme, CSS and head."""
    return {"theme": theme(), "css": CSS, "head": HEAD}


def theme() -> gr.themes.Base:
    """Soft, with every text colour at 4.5:1 or more on its background (WCAG AA): the stock
    one draws grey #94a3b8 on #f8fafc (2.4:1) and indigo labels on light indigo (3.6:1)."""
    return gr.themes.Soft(primary_hue="indigo", neutral_hue="slate").set(
        body_text_color_subdued="*neutral_600",
        block_info_text_color="*neutral_600",
        block_label_text_color="*primary_700",
        block_title_text_color="*primary_700",
        color_accent="*primary_600",
        color_accent_soft="*primary_100",
        link_text_color="*primary_700",
        link_text_color_visited="*primary_700",
        input_placeholder_color="*neutral_500",
        button_primary_background_fill="*primary_600",
        button_primary_background_fill_hover="*primary_700",
        checkbox_label_background_fill_selected="*primary_600",
        slider_color="*primary_600",
    )


def _header_html(ctx: AppContext) -> str:
    """Title, what the page is for, and where models run, in words (the address is in Details)."""
    backend = ctx.backend
    return (
        "<div id='app-header'><div><h1>Replicate Playground</h1>"
        "<div class='tagline'>Try AI models with no code: pick a tab, give it an input, "
        "press Run.</div></div>"
        f"<div class='backend-badge {backend.kind}' id='backend-badge'>"
        f"<span class='dot' aria-hidden='true'></span><span>{html.escape(_where(ctx))}</span>"
        "</div></div>"
    )


def _where(ctx: AppContext) -> str:
    if ctx.backend.is_local:
        return "Offline, on this computer"
    if ctx.backend.kind == "replicate":
        return "Replicate cloud"
    return "Your own model server"


BANNER = ("**Offline:** small free models on this computer stand in for the Replicate ones, so "
          "results show how the page works, not how good the real models are.")


def _details_markdown(ctx: AppContext) -> str:
    """The technical side, one click away: the server's address and the stand-in models."""
    lines = [f"**Models run at** `{ctx.backend.url}` ({html.escape(ctx.backend.label)})."]
    if ctx.backend.is_local:
        lines.append("")
        for s in ctx.presets.stand_ins():
            if s.local:
                note = f" ({html.escape(s.note)})" if s.note else ""
                lines.append(f"- **{html.escape(s.cloud)}**: {html.escape(s.local)} stands in"
                             f"{note}.")
            else:
                lines.append(f"- **{html.escape(s.cloud)}**: {html.escape(s.note)}.")
        lines += ["", "To use the real Replicate models, stop the playground and start it again "
                  "with your Replicate API token: `REPLICATE_API_TOKEN=r8_… make start`."]
    return "\n".join(lines)


def token_status(ctx: AppContext, value: Any, request: gr.Request | None = None) -> str:
    """Where this browser's requests get their token from (never the token itself)."""
    if ctx.owners.token(value, request):
        return (f"{pill('ok', 'Token saved')} Using **your token**, kept in this browser only, "
                "sealed by this server: it opens only with this browser's cookie.")
    lost = (f"{pill('warn', 'Token lost')} The token saved in this browser can no longer be "
            "opened (its cookie was cleared or replaced): paste it again. "
            if isinstance(value, str) and value.strip() else "")
    if ctx.has_server_token:
        return (lost + "Using the token this playground was started with. "
                "Add your own to use your account.")
    return lost or (f"{pill('warn', 'No token yet')} Paste your Replicate API token to run "
                    "models (create one at https://replicate.com/account/api-tokens).")


def _token_box(ctx: AppContext, demo: gr.Blocks) -> None:
    need_token = not ctx.backend.is_local and not ctx.has_server_token
    with gr.Accordion("API token", open=need_token, elem_id="token-box"):
        with gr.Row(equal_height=True):
            entry = gr.Textbox(
                label="Replicate API token", show_label=False, type="password",
                placeholder="r8_… (kept in this browser only)",
                elem_id="token-input", scale=5, container=False, autofocus=False,
            )
            save = gr.Button("Save token", variant="primary", elem_id="token-save", scale=1,
                             min_width=120)
            forget = gr.Button("Forget", elem_id="token-clear", scale=1, min_width=90)
        status = gr.Markdown(token_status(ctx, None), elem_id="token-status")

    def save_token(text: str, request: gr.Request) -> tuple[Any, str, str]:
        token = (text or "").strip()
        if not token:
            gr.Warning("Paste a token first.")
            return gr.skip(), "", token_status(ctx, None)
        if any(c.isspace() for c in token):
            gr.Warning("That does not look like a token: it contains spaces.")
            return gr.skip(), "", token_status(ctx, None)
        sealed = ctx.owners.seal(token, request)
        if sealed is None:  # no owner cookie to bind it to: keeping it would mean keeping it
            gr.Warning("This browser refuses this page's cookie, so the token cannot be kept "
                       "safely: allow cookies for this page and save it again.")
            return gr.skip(), "", token_status(ctx, None)
        return sealed, "", token_status(ctx, sealed, request)

    def forget_token() -> tuple[None, str]:
        return None, token_status(ctx, None)

    def loaded(token: Any, request: gr.Request) -> str:
        return token_status(ctx, token, request)

    # The entry box is cleared at once so the token does not linger in a visible component.
    gr.on([save.click, entry.submit], save_token, inputs=[entry],
          outputs=[ctx.token_state, entry, status], api_name="save_token",
          api_visibility="undocumented")
    forget.click(forget_token, outputs=[ctx.token_state, status], api_name="forget_token")
    demo.load(loaded, inputs=[ctx.token_state], outputs=[status], api_name="token_status")


def first_tab(ctx: AppContext, tab_ids: list[str]) -> str | None:
    """The tab the page opens on: offline, one whose model runs here (Image cannot)."""
    if ctx.backend.is_local:
        for tab_id in ctx.tasks.offline_first:
            if tab_id in tab_ids:
                return tab_id
    return tab_ids[0] if tab_ids else None


def page(ctx: AppContext, tabs: list[TabBuild]) -> tuple[gr.Blocks, PageParts]:
    """The whole page: header, banner, token box, then one `gr.Tab` per TabBuild, in order;
    what each build returns is offered to the tabs after it (`PageParts`)."""
    with gr.Blocks(title="Replicate Playground", analytics_enabled=False) as demo:
        ctx.token_state.render()  # made with the context, unrendered
        owners.wire(demo, ctx.owners)
        gr.HTML(_header_html(ctx), elem_id="header", padding=False)
        if ctx.demo is not None:
            demo_page.banner(ctx.demo)
            demo_page.wire_seen(ctx, demo)
        if ctx.backend.is_local:
            gr.Markdown(BANNER, elem_id="standin-banner")
        with gr.Accordion("Details", open=False, elem_id="page-details"):
            gr.Markdown(_details_markdown(ctx), elem_id="page-details-text")
        if not ctx.backend.is_local:  # offline no token is used: a box for one would mislead
            _token_box(ctx, demo)
        # The tabs wrap onto a second row on a narrow window: every tab shows and can be tapped.
        with gr.Tabs(elem_id="tabs", overflow_behavior="wrap",
                     selected=first_tab(ctx, [t.tab for t in tabs])) as shown:
            parts = PageParts(shown)
            for t in tabs:
                with gr.Tab(t.label, id=t.tab, elem_id=f"{t.tab}-tab") as block:
                    parts.tab_blocks[t.tab] = block
                    with gr.Column(elem_classes=["tab-scope"]):
                        offered = t.build(ctx, parts) if t.reads_parts else t.build(ctx)
                        if offered is not None:
                            parts.offered[t.tab] = offered
            if ctx.demo is not None:
                host_tab.build(ctx, demo, shown)
        history.wire_reload(ctx, demo)  # each tab shows its last run again after a reload
        if ctx.mcp:
            from playground.ui.mcp import add_tools

            add_tools(ctx)
    return demo, parts
