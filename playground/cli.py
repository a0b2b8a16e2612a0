"""The `playground` command.

    playground [--host 127.0.0.1] [--port 7860] [--backend auto|replicate|local|URL]
               [--auth USER:PASS ...] [--visitors-bring-token] [--tab TAB ...]
               [--shared-history] [--history-max-size 5GB] [--demo demo.toml] [--mcp]
               [--cog DIR ...] [--cog-reload]
    playground engine [--host 127.0.0.1] [--port 8008] [--token T] [--cog DIR ...] [--cog-reload]
    playground models pull [NAME]
    playground models list
    playground history [export|prune|clear]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import webbrowser
from typing import TYPE_CHECKING, Any

from playground.listening import (  # noqa: F401 - the CLI's own names, for its callers
    DEFAULT_PORT,
    PORTS_TRIED,
    choose_port,
    exposure_problem,
    is_loopback,
    parse_auth,
    port_free,
    reachable_address,
)

if TYPE_CHECKING:
    from playground.compare.prices import PriceTable
    from playground.demo import DemoSettings
    from playground.engine.server import EngineThread
    from playground.history import RunHistory
    from playground.service import Service

# Before any native runtime loads: llama.cpp collapses on a busy 2-core machine without it, and
# nothing in the playground may phone home.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


# Gradio 6.31's MCP server runs a tool through its own client of the page, which has no login:
# behind --auth every tool call would be refused, whatever the agent sends.
MCP_WITH_AUTH = (
    "playground: --mcp cannot be used with --auth (or PLAYGROUND_AUTH): Gradio's MCP server "
    "calls the tools without the page's login, so every tool call would be refused. To serve "
    "the tools beyond this computer, use --visitors-bring-token instead: each agent then sends "
    "its own Replicate token (Authorization: Bearer r8_...) and your token is never used.")
log = logging.getLogger("playground")


def open_history(*, shared: bool = False, max_size: str | None = None) -> RunHistory:
    """The run history in the data folder: each browser's own runs, or one shared history;
    its files capped at `max_size` (default: $PLAYGROUND_HISTORY_MAX_SIZE, else 5 GB)."""
    from playground.compare.prices import PriceTable
    from playground.config import data_dir
    from playground.history import RunHistory, RunStore
    from playground.history.commands import max_size_from_env, parse_size

    prices = PriceTable.load()

    def estimate(model: str, metrics: dict[str, float]) -> float | None:
        found = prices.estimate(model, metrics.get("predict_time"), metrics)
        return found.usd if found is not None else None

    cap = parse_size(max_size) if max_size else max_size_from_env()
    return RunHistory(RunStore(data_dir(), max_bytes=cap), shared=shared, estimate=estimate)


class BadOption(ValueError):
    """A command-line value that cannot be used; the message says why."""


def engine_models(cog_dirs: list[str] | None = None, cog_reload: bool = False, *,
                  built_in: bool = True) -> list[Any]:
    """The engine's models: the built-in ones (unless not `built_in`: the engine beside
    Replicate runs only the --cog ones), and a Cog predictor per --cog folder (raises
    BadOption for a folder that cannot be used, or without the cog extra)."""
    from playground.engine.models import registry

    built = registry()
    models: list[Any] = list(built) if built_in else []
    if cog_dirs:
        from playground.engine.cog import CogProblem, cog_models

        try:  # a --cog name never shadows a built-in one, whether served or not
            models += cog_models(cog_dirs, reload=cog_reload, taken=[m.name for m in built])
        except CogProblem as exc:
            raise BadOption(str(exc)) from None
    return models


def chosen_backend(backend: str = "auto") -> str:
    """`auto` made definite: a configured server (REPLICATE_BASE_URL) first, then Replicate's
    cloud with a token (REPLICATE_API_TOKEN), else the embedded engine (offline)."""
    if backend != "auto":
        return backend
    token = os.environ.get("REPLICATE_API_TOKEN") or None
    return os.environ.get("REPLICATE_BASE_URL") or ("replicate" if token else "local")


def start_engine(models: list[Any]) -> EngineThread:
    """The embedded engine, in its own folder (its database and files stay apart from the
    app's outputs), on its usual port when it is free, so the code a run shows still works
    after a restart; else on any free one."""
    from playground.config import data_dir
    from playground.engine.server import ENGINE_PORT, EngineThread

    if port_free("127.0.0.1", ENGINE_PORT):
        try:
            return EngineThread(models, data_dir() / "engine", port=ENGINE_PORT).start()
        except RuntimeError:  # taken between the look and the bind
            pass
    return EngineThread(models, data_dir() / "engine").start()


def add_cog_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cog", action="append", default=None, metavar="DIR",
                        help="also serve the Cog predictor in DIR (its predict.py) as "
                        "local/<folder name>; repeat for more (needs the cog extra)")
    parser.add_argument("--cog-reload", action="store_true",
                        help="restart a --cog predictor when its predict.py changes")


def open_service(backend: str = "auto", *, visitors_bring_token: bool = False,
                 history: RunHistory | None = None, models: list[Any] | None = None,
                 beside: list[Any] | None = None) -> tuple[Service, EngineThread | None]:
    """The one place the backend is decided: a Service for `backend` (auto, replicate, local or
    a URL) and the embedded engine it started (None when it talks to another server).
    `models`: the embedded engine's (default: the built-in ones). `beside`: models (the --cog
    ones) to run on an embedded engine beside a backend that is not the engine: it is started
    for them only, and their `local/<name>` refs go to it (`service.routing`).

    With `visitors_bring_token` the server's REPLICATE_API_TOKEN only picks the backend: the
    service never holds it, so each visitor's requests carry their own token or none."""
    from playground.config import REPLICATE_CLOUD, data_dir
    from playground.service import EngineModels, Service

    token = os.environ.get("REPLICATE_API_TOKEN") or None
    backend = chosen_backend(backend)
    if visitors_bring_token:
        token = None
    if backend == "local":
        engine = start_engine(models if models is not None else engine_models())
        service = Service(engine.url, data_dir=data_dir(), backend="local",  # no token needed
                          history=history)
        return service, engine
    engine = start_engine(beside) if beside else None
    routed = None if engine is None else EngineModels.of(engine.url,
                                                         [m.ref for m in beside or []])
    try:
        if backend == "replicate":
            service = Service(REPLICATE_CLOUD, token=token, data_dir=data_dir(),
                              backend="replicate", history=history, engine=routed)
        else:  # a URL: a loopback one is taken for a local engine, any other for a custom one
            service = Service(backend.rstrip("/"), token=token, data_dir=data_dir(),
                              history=history, engine=routed)
    except BaseException:
        if engine is not None:
            engine.stop()
        raise
    return service, engine


def open_demo(settings: DemoSettings, service: Service, *, host: str, port: int,
              prices: PriceTable | None = None) -> DemoSettings:
    """Demo mode on `service`: the file checked against this backend's models and prices
    (`DemoFileError` names what cannot be done), its gate set; the settings returned with the
    join link filled in."""
    import dataclasses

    from playground.compare.prices import PriceTable, is_local
    from playground.demo import DemoFileError, problems_with
    from playground.service import Gate

    prices = prices or PriceTable.load()

    def priced(model: str) -> bool:
        found = prices.priced(model)
        return is_local(model) or (found is not None and not found.startswith("not priced"))

    def estimate(model: str, metrics: dict[str, float]) -> float | None:
        found = prices.estimate(model, metrics.get("predict_time"), metrics)
        return found.usd if found is not None else None

    known = {ref for p in service.presets.values() for ref in (p.model, p.local_model) if ref}
    known |= set(service.local_models())
    shown_tasks = set(settings.show.tabs) or {t.tab for t in service.tasks.tabs}
    runs = [p.ref_for(service.backend) for p in service.presets.values()
            if service.tasks.by_id(p.task).tab in shown_tasks
            and (service.backend != "local" or p.local_model)]
    problems = problems_with(settings, known, paid=service.has_token and not
                             service.server.is_local, priced=priced, models_run=runs)
    if problems:
        raise DemoFileError(f"{settings.source}: " + "; ".join(problems))
    service.gate = Gate(settings.limits, show=settings.show, estimate=estimate, priced=priced)
    join = settings.host.join_url or f"http://{reachable_address(host)}:{port}/"
    return dataclasses.replace(settings, host=dataclasses.replace(settings.host, join_url=join))


def launch(host: str = "127.0.0.1", port: int = DEFAULT_PORT, backend: str = "auto",
           tabs: list[str] | None = None, *,
           auth: tuple[str, str] | list[tuple[str, str]] | None = None,
           visitors_bring_token: bool = False, shared_history: bool = False,
           history_max_size: str | None = None, demo_settings: DemoSettings | None = None,
           mcp: bool = False, models: list[Any] | None = None,
           beside: list[Any] | None = None) -> None:
    """Start the app (and the local engine when asked) and serve until interrupted.

    `auth` is Gradio's login for the page; `visitors_bring_token` keeps the server's token
    from every visitor (see `exposure_problem`); `demo_settings` (`--demo`) are the host's
    limits and choices for a room (`DemoFileError` when this backend cannot do them); `mcp`
    also serves the tools for agents (MCP, streamable HTTP at /gradio_api/mcp/); `models` and
    `beside` are `open_service`'s."""
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    history = open_history(shared=shared_history, max_size=history_max_size)
    service, engine = open_service(backend, visitors_bring_token=visitors_bring_token,
                                   history=history, models=models, beside=beside)
    try:
        if demo_settings is not None:
            demo_settings = open_demo(demo_settings, service, host=host, port=port)
            tabs = list(demo_settings.show.tabs) or tabs
        ctx = make_context(service, demo=demo_settings, mcp=mcp)
        log.info("backend: %s (%s)", ctx.backend.label, ctx.backend.url)
        if service.router.engine is not None:
            log.info("beside it, on the embedded engine (%s): %s", service.router.engine.url,
                     ", ".join(sorted(service.router.engine.names)))
        demo = build_app(ctx, tabs=tabs)
        try:
            serve(demo, ctx, host=host, port=port, block=False, auth=auth)
        except RuntimeError as exc:
            if not mcp:
                raise
            print(f"playground: the MCP tools could not start: {exc}", file=sys.stderr)
            raise SystemExit(2) from None
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
        print(f"Replicate Playground is ready: open {url} in a browser (Ctrl+C stops it).",
              flush=True)
        if mcp:
            print(f"MCP tools for agents: {url}gradio_api/mcp/ (streamable HTTP)", flush=True)
        if sys.stdout.isatty() and _has_desktop():
            webbrowser.open(url)
        demo.block_thread()
    finally:
        if engine is not None:
            engine.stop()
        history.store.close()


def _has_desktop() -> bool:
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _app(argv: list[str]) -> int:
    from playground.ui.gradio_version import UnsupportedGradio, require_supported_gradio

    try:  # before any module of the page imports gradio: an untested one fails in odd places
        require_supported_gradio()
    except UnsupportedGradio as exc:
        print(f"playground: {exc}", file=sys.stderr)
        return 2
    from playground.ui.app import TAB_IDS

    parser = argparse.ArgumentParser(prog="playground", description="Replicate Playground")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None,
                        help="default: $PORT, $GRADIO_SERVER_PORT or 7860; when the default is "
                        "taken, the next free port")
    parser.add_argument(
        "--backend",
        default="auto",
        help="auto (Replicate when REPLICATE_API_TOKEN is set, else the embedded engine), "
        "replicate, local, or the URL of a Replicate-compatible server",
    )
    parser.add_argument(
        "--auth", action="append", default=None, metavar="USER:PASS",
        help="ask every visitor for a login: this one (repeat for more, e.g. a host's; also "
        "$PLAYGROUND_AUTH)",
    )
    parser.add_argument("--demo", default=None, metavar="FILE",
                        help="demo mode: the host's limits, tabs, models and kiosk settings "
                        "(a TOML file; see the README; also $PLAYGROUND_DEMO)")
    parser.add_argument(
        "--visitors-bring-token", action="store_true",
        help="never use REPLICATE_API_TOKEN for visitors: each pastes their own in the page",
    )
    parser.add_argument("--tab", action="append", choices=TAB_IDS, dest="tabs",
                        help="show only this tab (repeat for more)")
    parser.add_argument("--shared-history", action="store_true",
                        help="one history for everyone (default: each browser sees only its "
                        "own runs)")
    parser.add_argument("--history-max-size", default=None, metavar="SIZE",
                        help="outputs the history keeps before pruning the oldest runs "
                        "(default: $PLAYGROUND_HISTORY_MAX_SIZE or 5GB)")
    parser.add_argument("--mcp", action="store_true", default=None,
                        help="also serve the tools for AI agents (MCP, streamable HTTP at "
                        "/gradio_api/mcp/; also $PLAYGROUND_MCP=1)")
    add_cog_options(parser)
    args = parser.parse_args(argv)
    models = beside = None
    from playground.demo import DemoFileError, load

    mcp = args.mcp or os.environ.get("PLAYGROUND_MCP", "").strip().lower() in (
        "1", "true", "yes", "on")
    try:
        logins = [parse_auth(a) for a in (args.auth or [os.environ.get("PLAYGROUND_AUTH")])
                  if a]
        auth = [login for login in logins if login is not None] or None
        if args.history_max_size:
            from playground.history.commands import parse_size

            parse_size(args.history_max_size)
        demo_file = args.demo or os.environ.get("PLAYGROUND_DEMO") or None
        demo_settings = load(demo_file, TAB_IDS) if demo_file else None
        if demo_settings and demo_settings.host.user and demo_settings.host.user not in {
                user for user, _ in auth or []}:
            raise DemoFileError(f"{demo_settings.source}: [host] user "
                                f"{demo_settings.host.user!r} is not one of the --auth logins")
        if args.cog:  # a Cog predictor runs on the embedded engine
            if chosen_backend(args.backend) == "local":  # offline: beside the built-in models
                args.backend = "local"
                models = engine_models(args.cog, args.cog_reload)
            else:  # beside Replicate (or another server), on an engine of their own
                beside = engine_models(args.cog, args.cog_reload, built_in=False)
    except ValueError as exc:
        print(f"playground: {exc}", file=sys.stderr)
        return 2
    if mcp and auth is not None:
        print(MCP_WITH_AUTH, file=sys.stderr)
        return 2
    server_token = bool(os.environ.get("REPLICATE_API_TOKEN")) and args.backend != "local"
    problem = exposure_problem(args.host, server_token=server_token, auth=auth is not None,
                               visitors_bring_token=args.visitors_bring_token)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    port = choose_port(args.host, args.port)
    if isinstance(port, str):
        print(f"playground: {port}", file=sys.stderr)
        return 2
    try:
        launch(host=args.host, port=port, backend=args.backend, tabs=args.tabs, auth=auth,
               visitors_bring_token=args.visitors_bring_token,
               shared_history=args.shared_history, history_max_size=args.history_max_size,
               demo_settings=demo_settings, mcp=mcp, models=models, beside=beside)
    except DemoFileError as exc:
        print(f"playground: {exc}", file=sys.stderr)
        return 2
    return 0


def _engine(argv: list[str]) -> int:
    from playground.engine.server import ENGINE_PORT

    parser = argparse.ArgumentParser(
        prog="playground engine", description="Serve the local Replicate-compatible /v1 API"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=ENGINE_PORT)
    parser.add_argument(
        "--token",
        default=None,
        help="require this bearer token (default: $PLAYGROUND_ENGINE_TOKEN); "
        "needed to bind a non-loopback host",
    )
    parser.add_argument(
        "--allow-private-urls",
        action="store_true",
        default=None,
        help="fetch URL inputs on private and loopback addresses (refused by default; "
        "also $PLAYGROUND_ENGINE_ALLOW_PRIVATE_URLS=1)",
    )
    parser.add_argument("--access-log", action="store_true",
                        help="print a line for every HTTP request")
    parser.add_argument("--unload-after", type=float, default=None, metavar="SECONDS",
                        help="unload a model unused for this long, freeing its memory; the "
                        "next prediction loads it again (0: never; default "
                        "$PLAYGROUND_ENGINE_UNLOAD_AFTER, else 600)")
    add_cog_options(parser)
    args = parser.parse_args(argv)
    if args.unload_after is not None and not 0 <= args.unload_after < float("inf"):
        parser.error("--unload-after takes a number of seconds, 0 or more")
    from playground.engine.server import serve

    token = args.token or os.environ.get("PLAYGROUND_ENGINE_TOKEN") or None
    try:
        models = engine_models(args.cog, args.cog_reload)
        serve(models, host=args.host, port=args.port, token=token,
              allow_private_urls=args.allow_private_urls, access_log=args.access_log,
              unload_after=args.unload_after)
    except ValueError as exc:  # e.g. a public host without a token
        print(f"playground engine: {exc}", file=sys.stderr)
        return 2
    return 0


def _models(argv: list[str]) -> int:
    from playground.engine import model_store

    if not argv or argv[0] in {"-h", "--help"}:
        print("usage: playground models pull [NAME] | playground models list")
        return 0 if argv else 2
    if argv[0] == "pull":
        return model_store.models_pull(argv[1:]) or 0
    if argv[0] == "list":
        return model_store.models_list() or 0
    print(f"playground models: unknown command {argv[0]!r}", file=sys.stderr)
    return 2


def _history(argv: list[str]) -> int:
    from playground.config import data_dir
    from playground.history.commands import main as history_main

    return history_main(argv, data_dir())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "engine":
        return _engine(argv[1:])
    if argv and argv[0] == "models":
        return _models(argv[1:])
    if argv and argv[0] == "history":
        return _history(argv[1:])
    return _app(argv)


if __name__ == "__main__":
    raise SystemExit(main())
