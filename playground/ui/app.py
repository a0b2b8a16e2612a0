"""The Gradio app: `build_app(service)` assembles the tabs, `serve(demo, ctx)` launches it.

Which backend the service talks to (and starting the embedded engine) is decided before this,
in `playground.cli`, the composition root.
"""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from playground.config import private_paths, served_dirs
from playground.service import BrowserKeys, Service
from playground.tasks import TABLE, PageTab
from playground.ui.context import AppContext, make_context
from playground.ui.demo.page import kiosk_script
from playground.ui.gradio_compat import only_mcp_tools
from playground.ui.mcp import TOOL_ENDPOINTS
from playground.ui.parts import PageParts
from playground.ui.serving.browser_cookie import BrowserCookie
from playground.ui.serving.guard import confine_uploads, plain_refusals
from playground.ui.shell import TabBuild, launch_options, page

# (tab id, label, module), in page order, from the task table (playground/tasks.py): every
# module has `build(ctx)`.
TABS: list[tuple[str, str, str]] = [(t.tab, t.label, t.module) for t in TABLE.tabs]
TAB_IDS = [t[0] for t in TABS]
# Gradio runs at most `max_threads` events at once (40 by default), waiting ones included. In
# demo mode every run waits in the gate's line (told its place, counted by max_waiting), where
# a waiting run is an idle coroutine: the line must fit, or the 41st run waits in Gradio's own
# queue instead, out of the line and uncounted. (Sync handlers' threads share this limit.)
DEMO_EVENTS_AT_ONCE = 1000


def build_app(service: Service | AppContext, *, tabs: list[str] | None = None) -> gr.Blocks:
    """The whole app on `service` (or a ready AppContext), its tabs those of the service's task
    table (`Service(tasks=...)`, default `playground.tasks.TABLE`); `tabs` picks some tabs."""
    return build_page(service, tabs=tabs)[0]


def build_page(service: Service | AppContext, *, tabs: list[str] | None = None
               ) -> tuple[gr.Blocks, PageParts]:
    """`build_app`, with what the tabs built for each other (for tests that reach them)."""
    ctx = make_context(service)
    chosen = [t for t in ctx.tasks.tabs if tabs is None or t.tab in tabs]
    return page(ctx, [TabBuild(t.tab, t.label, importlib.import_module(t.module).build,
                               isinstance(t, PageTab) and t.reads_parts) for t in chosen])


def serve(demo: gr.Blocks, ctx_or_dir: AppContext | Path, *, host: str = "127.0.0.1",
          port: int | None = None, block: bool = True, max_file_size: int | None = None,
          auth: tuple[str, str] | list[tuple[str, str]] | None = None) -> tuple[Any, str, str]:
    """Launch `demo` with the theme/CSS/head Gradio 6 takes at launch.

    `ctx_or_dir` names the data directory: only its outputs (and Compare's own input and export
    files) are served; its engine database and secrets are blocked even from Gradio's cache.
    Every browser gets its HttpOnly owner cookie from the middleware (`browser_cookie`), made
    with the context's keys (those of the data directory's `private/` when given a folder).
    A context made with `mcp=True` is also an MCP server (`/gradio_api/mcp/`) offering exactly
    the tools of `ui/mcp` (a RuntimeError, the app closed, when it cannot start)."""
    demo_settings = None
    if isinstance(ctx_or_dir, AppContext):
        data, keys = ctx_or_dir.data_dir, ctx_or_dir.keys
        demo_settings = ctx_or_dir.demo
    else:
        data, keys = ctx_or_dir, BrowserKeys.load(ctx_or_dir)
    options = launch_options()
    options["head"] += kiosk_script(demo_settings)
    kiosk = demo_settings is not None and bool(demo_settings.kiosk.idle_reset_minutes)
    served = [str(p) for p in served_dirs(data)]
    mcp = isinstance(ctx_or_dir, AppContext) and ctx_or_dir.mcp
    confine_uploads(demo)
    plain_refusals(demo)
    with warnings.catch_warnings():  # the page's events with a gr.State are never tools
        warnings.filterwarnings("ignore", message="This MCP server includes a tool")
        launched = demo.queue(default_concurrency_limit=4).launch(
            server_name=host, server_port=port, prevent_thread_lock=not block,
            show_error=False, allowed_paths=served,
            blocked_paths=[str(p) for p in private_paths(data)],
            max_file_size=max_file_size or 200 * 1024 * 1024, auth=auth,
            max_threads=DEMO_EVENTS_AT_ONCE if demo_settings is not None else 40,
            footer_links=["api"], quiet=not block, run_history=False,  # it would keep tokens
            app_kwargs={"middleware": [Middleware(BrowserCookie, keys=keys, kiosk=kiosk)]},
            mcp_server=mcp,  # never from $GRADIO_MCP_SERVER: only `playground --mcp`
            **options,
        )
    if mcp:
        try:
            only_mcp_tools(demo, TOOL_ENDPOINTS)
        except RuntimeError:
            demo.close()
            raise
    return launched
