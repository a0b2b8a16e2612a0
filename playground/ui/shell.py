"""The page around the tabs: header with the backend, stand-in banner, and the API token box.

The token lives in the browser (a `gr.BrowserState`, encrypted in localStorage) and travels with
each request as an event input; it is never put back into a visible component, the environment,
a log line or the page's HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import gradio as gr

from playground.ui.context import AppContext
from playground.ui.runner import pill

TabBuilder = Callable[[AppContext], Any]
TOKEN_STORAGE_KEY = "replicate-playground-token"

CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto; }
#app-header { display: flex; align-items: center; justify-content: space-between;
  gap: 12px; flex-wrap: wrap; padding: 4px 2px 0; }
#app-header h1 { margin: 0; font-size: 1.55rem; font-weight: 700; }
#app-header .tagline { color: var(--body-text-color-subdued); font-size: .95rem; }
.backend-badge { display: inline-flex; align-items: center; gap: 8px; padding: 6px 12px;
  border-radius: 999px; font-size: .9rem; border: 1px solid var(--border-color-primary);
  background: var(--background-fill-secondary); }
.backend-badge .dot { width: 9px; height: 9px; border-radius: 50%; background: #22c55e; }
.backend-badge.local .dot { background: #f59e0b; }
.backend-badge.custom .dot { background: #6366f1; }
.backend-badge code { font-size: .8rem; }
#standin-banner { border-left: 4px solid #f59e0b; background: #fffbeb; padding: 6px 14px;
  border-radius: 6px; }
#standin-banner, #standin-banner * { color: #78350f !important; }
#standin-banner p, #standin-banner li { margin: 2px 0; font-size: .92rem; }
.run-status { min-height: 1.8em; }
.run-status p { font-size: 1rem; margin: 0; }
.run-status .elapsed { color: var(--body-text-color-subdued); font-size: .85rem;
  margin-left: 6px; }
.run-details p { font-size: .85rem; color: var(--body-text-color-subdued); margin: 0; }
.tab-intro p { margin: 0 0 4px; color: var(--body-text-color-subdued); }
.checker img, .checker .image-frame, .checker canvas {
  background: repeating-conic-gradient(#d4d4d8 0% 25%, #ffffff 0% 50%) 50% / 20px 20px; }
/* ImageSlider paints its "after" image (img.fixed) white: the checkerboard goes behind it too */
.checker .slider-wrap img, .checker img.fixed {
  background: repeating-conic-gradient(#d4d4d8 0% 25%, #ffffff 0% 50%) 50% / 20px 20px
    !important; }
#token-status p { margin: 0; font-size: .9rem; }
.pill { display: inline-block; padding: 1px 10px; border-radius: 999px; font-weight: 600;
  font-size: .85rem; margin-right: 6px; border: 1px solid transparent; }
.pill.ok { background: #dcfce7; color: #166534 !important; border-color: #86efac; }
.pill.run { background: #e0e7ff; color: #3730a3 !important; border-color: #a5b4fc; }
.pill.err { background: #fee2e2; color: #991b1b !important; border-color: #fca5a5; }
.pill.warn { background: #fef3c7; color: #92400e !important; border-color: #fcd34d; }
.pill.stop { background: #f1f5f9; color: #334155 !important; border-color: #cbd5e1; }
footer { display: none !important; }
"""

# Ctrl/Cmd+Enter anywhere inside a tab presses that tab's Run button.
HEAD = """
<script>
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  const scope = event.target && event.target.closest && event.target.closest(".tab-scope");
  const button = scope && scope.querySelector(".run-btn");
  if (button && !button.disabled) { event.preventDefault(); button.click(); }
});
</script>
"""


def token_state(secret: str) -> gr.BrowserState:
    """The browser's saved token, labelled so the API documents it as "API token" (every event's
    `token` parameter is optional: none means the server's own token).

    BrowserState takes no label; a subclass would make Gradio write a .pyi stub next to this
    file at import, so the label is added to this one instance's config instead."""
    state = gr.BrowserState(None, storage_key=TOKEN_STORAGE_KEY, secret=secret)
    plain = state.get_config

    def get_config(cls: Any = None) -> dict[str, Any]:
        return {**plain(cls), "label": "API token"}

    state.get_config = get_config  # type: ignore[method-assign]
    return state


def launch_options() -> dict[str, Any]:
    """What Gradio 6 takes at launch() rather than in Blocks(): theme, CSS and head."""
    theme = gr.themes.Soft(primary_hue="indigo", neutral_hue="slate")
    return {"theme": theme, "css": CSS, "head": HEAD}


def _header_html(ctx: AppContext) -> str:
    backend = ctx.backend
    where = html.escape(backend.url)
    return (
        "<div id='app-header'><div><h1>Replicate Playground</h1>"
        "<div class='tagline'>Try AI models with no code: pick a tab, give it an input, "
        "press Run.</div></div>"
        f"<div class='backend-badge {backend.kind}' id='backend-badge' title='{where}'>"
        f"<span class='dot'></span><span>{html.escape(backend.label)}</span>"
        f"<code>{where}</code></div></div>"
    )


def _banner_markdown(ctx: AppContext) -> str:
    items = [
        (f"**{html.escape(s.local)}** stands in for **{html.escape(s.cloud)}**"
         + (f" <em>({html.escape(s.note)})</em>" if s.note else ""))
        if s.local else f"**{html.escape(s.cloud)}**: <em>{html.escape(s.note)}</em>"
        for s in ctx.presets.stand_ins()
    ]
    head = (
        "**Offline mode:** small models run on this computer in place of the Replicate models. "
        "Results show how the app works, not how good the real models are."
    )
    return head + ("  \n" + " · ".join(items) if items else "")


def token_status(ctx: AppContext, value: Any) -> str:
    """Where this browser's requests get their token from (never the token itself)."""
    if isinstance(value, str) and value.strip():
        return (f"{pill('ok', 'Token saved')} Using **your token**, kept encrypted in this "
                "browser only.")
    if ctx.has_server_token:
        return ("Using the token this playground was started with. "
                "Add your own to use your account.")
    if ctx.backend.is_local:
        return "No token needed for the local engine."
    return (f"{pill('warn', 'No token yet')} Paste your Replicate API token to run models "
            "(create one at https://replicate.com/account/api-tokens).")


def _token_box(ctx: AppContext, demo: gr.Blocks) -> None:
    assert ctx.token_state is not None
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

    def save_token(text: str) -> tuple[Any, str, str]:
        token = (text or "").strip()
        if not token:
            gr.Warning("Paste a token first.")
            return gr.skip(), "", token_status(ctx, None)
        if any(c.isspace() for c in token):
            gr.Warning("That does not look like a token: it contains spaces.")
            return gr.skip(), "", token_status(ctx, None)
        return token, "", token_status(ctx, token)

    def forget_token() -> tuple[None, str]:
        return None, token_status(ctx, None)

    # The entry box is cleared at once so the token does not linger in a visible component.
    gr.on([save.click, entry.submit], save_token, inputs=[entry],
          outputs=[ctx.token_state, entry, status], api_name="save_token",
          api_visibility="undocumented")
    forget.click(forget_token, outputs=[ctx.token_state, status], api_name="forget_token")
    demo.load(lambda v: token_status(ctx, v), inputs=[ctx.token_state], outputs=[status],
              api_name="token_status")


def page(ctx: AppContext, tabs: list[tuple[str, str, TabBuilder]]) -> gr.Blocks:
    """The whole page: header, banner, token box, then one `gr.Tab` per (id, label, build)."""
    with gr.Blocks(title="Replicate Playground", analytics_enabled=False) as demo:
        ctx.token_state = token_state(ctx.browser_secret)
        gr.HTML(_header_html(ctx), elem_id="header", padding=False)
        if ctx.backend.is_local:
            gr.Markdown(_banner_markdown(ctx), elem_id="standin-banner")
        _token_box(ctx, demo)
        with gr.Tabs(elem_id="tabs"):
            for tab_id, label, build in tabs:
                with gr.Tab(label, id=tab_id, elem_id=f"{tab_id}-tab"):
                    with gr.Column(elem_classes=["tab-scope"]):
                        build(ctx)
    return demo
