"""The Gradio app: `build_app(service)` for tests and embedding, `launch(...)` for the CLI."""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path
from typing import Any

import gradio as gr

from playground.config import REPLICATE_CLOUD, data_dir, private_paths, served_dirs
from playground.ui import presets_view
from playground.ui.context import AppContext, make_context
from playground.ui.guard import confine_uploads, plain_refusals
from playground.ui.shell import launch_options, page

log = logging.getLogger("playground.ui")

# (tab id, label, module): every module has `build(ctx)` and runs on its own with `python -m`.
TABS: list[tuple[str, str, str]] = [
    ("image", "Image", "playground.ui.image"),
    ("chat", "Chat", "playground.ui.chat"),
    ("transcribe", "Transcribe", "playground.ui.transcribe"),
    ("upscale", "Upscale", "playground.ui.upscale"),
    ("background", "Remove background", "playground.ui.background"),
    ("faces", "Restore faces", "playground.ui.faces"),
    ("compare", "Compare", "playground.ui.compare"),
]


def build_app(service_or_ctx: Any, *, tabs: list[str] | None = None,
              local: bool | None = None) -> gr.Blocks:
    """The whole app on `service_or_ctx` (a Service or an AppContext); `tabs` picks some tabs."""
    ctx = make_context(service_or_ctx, local=local)
    presets_view.use(ctx.service)
    chosen = [t for t in TABS if tabs is None or t[0] in tabs]
    builders = [(tab, label, importlib.import_module(mod).build) for tab, label, mod in chosen]
    return page(ctx, builders)


def serve(demo: gr.Blocks, ctx_or_dir: AppContext | Path | None = None, *,
          host: str = "127.0.0.1", port: int | None = None, block: bool = True,
          max_file_size: int | None = None, auth: tuple[str, str] | None = None
          ) -> tuple[Any, str, str]:
    """Launch `demo` with the theme/CSS/head Gradio 6 takes at launch.

    `ctx_or_dir` names the data directory: only its outputs (and Compare's own input and export
    files) are served; its engine database and secrets are blocked even from Gradio's cache."""
    data = _data_root(ctx_or_dir)
    served = [str(p) for p in served_dirs(data)]
    confine_uploads(demo)
    plain_refusals(demo)
    return demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, prevent_thread_lock=not block, show_error=False,
        allowed_paths=served, blocked_paths=[str(p) for p in private_paths(data)],
        max_file_size=max_file_size or 200 * 1024 * 1024, auth=auth,
        footer_links=["api"], quiet=not block, run_history=False,  # it would keep tokens
        **launch_options(),
    )


def _data_root(ctx_or_dir: AppContext | Path | None) -> Path:
    if isinstance(ctx_or_dir, Path):
        return ctx_or_dir
    if isinstance(ctx_or_dir, AppContext):
        return ctx_or_dir.output_dir
    return data_dir()


def open_context(backend: str = "auto", *,
                 visitors_bring_token: bool = False) -> tuple[AppContext, Any]:
    """A context for `backend` (auto, replicate, local or a URL) and the engine it started.

    With `visitors_bring_token` the server's REPLICATE_API_TOKEN only picks the backend: the
    service never holds it, so each visitor's requests carry their own token or none."""
    from playground.service import Service

    token = os.environ.get("REPLICATE_API_TOKEN") or None
    if backend == "auto":  # a configured server first, then the cloud with a token, else offline
        backend = os.environ.get("REPLICATE_BASE_URL") or ("replicate" if token else "local")
    engine = None
    if backend == "local":
        from playground.engine.models import registry
        from playground.engine.server import EngineThread

        # Its own folder: the engine's database and files stay apart from the app's outputs.
        engine = EngineThread(registry(), data_dir() / "engine").start()
        url, token = engine.url, None  # the local engine needs no Replicate token
    elif backend == "replicate":
        url = REPLICATE_CLOUD
    else:
        url = backend.rstrip("/")
    kind = "local" if backend == "local" else None
    if visitors_bring_token:
        token = None
    service = Service(base_url=url, token=token, data_dir=data_dir(), backend=kind)
    # A URL's kind follows the service (a loopback URL is taken for a local engine).
    return make_context(service, local=True if backend == "local" else None), engine


def launch(host: str = "127.0.0.1", port: int = 7860, backend: str = "auto",
           tabs: list[str] | None = None, *, auth: tuple[str, str] | None = None,
           visitors_bring_token: bool = False) -> None:
    """Start the app (and the local engine when asked) and serve until interrupted.

    `auth` is Gradio's login for the page; `visitors_bring_token` keeps the server's token
    from every visitor (see `playground.cli.exposure_problem`)."""
    ctx, engine = open_context(backend, visitors_bring_token=visitors_bring_token)
    log.info("backend: %s (%s)", ctx.backend.label, ctx.backend.url)
    try:
        serve(build_app(ctx, tabs=tabs), ctx, host=host, port=port, block=True, auth=auth)
    finally:
        stop = getattr(engine, "stop", None)
        if callable(stop):
            stop()


def main_for(tab: str) -> None:
    """`python -m playground.ui.<tab>`: that tab alone, on the backend from the environment."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    launch(backend=os.environ.get("PLAYGROUND_BACKEND", "auto"), tabs=[tab],
           port=int(os.environ.get("PLAYGROUND_PORT", "7860")))
