"""What every tab is built from: the service, its presets, and the runs of each session."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from playground.demo import DemoSettings
from playground.service import Backend, BrowserKeys, Service
from playground.tasks import TaskTable
from playground.ui.kit.presets_view import PresetsView
from playground.ui.kit.reopen import Reopen
from playground.ui.serving.owners import Owners, token_state

if TYPE_CHECKING:
    import gradio as gr

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class RunRegistry:
    """The prediction each browser session is running in each tab, so Cancel can reach it."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}

    def set(self, session: str, tab: str, prediction_id: str) -> None:
        self._ids[(session, tab)] = prediction_id

    def pop(self, session: str, tab: str) -> str | None:
        return self._ids.pop((session, tab), None)


class RunAnyway:
    """Per session and tab: the last run was answered from the history (offer "Run anyway"),
    and "Run anyway" was pressed (the next run skips the history)."""

    def __init__(self) -> None:
        self._asked: set[tuple[str, str]] = set()
        self._offers: set[tuple[str, str]] = set()

    def offer(self, session: str, tab: str) -> None:
        self._offers.add((session, tab))

    def offered(self, session: str, tab: str) -> bool:
        """Whether the run that just ended came from the history (once)."""
        found = (session, tab) in self._offers
        self._offers.discard((session, tab))
        return found

    def ask(self, session: str, tab: str) -> None:
        self._asked.add((session, tab))

    def take(self, session: str, tab: str) -> bool:
        """Whether it was asked (once: the run after that may be answered again)."""
        found = (session, tab) in self._asked
        self._asked.discard((session, tab))
        return found


@dataclass(frozen=True)
class AppContext:
    """Handed to every tab's `build(ctx)`: what the page is built from, fixed before it is.

    `token_state` is the browser's saved token, sealed by the server for that browser (a
    `gr.BrowserState`, rendered by the shell); tabs pass it as an input to every event and open
    it with `owners.token(value, request)`. `owners` says whose a request is (its browser's
    owner cookie, made and read with `keys`). `reopen` is where each tab registers its form (a
    saved run put back in it). What the tabs build for each other (the page's `gr.Tabs`,
    Compare's form) is not here: `ui/parts.py`, handed to History.
    """

    service: Service
    keys: BrowserKeys
    owners: Owners
    presets: PresetsView
    token_state: gr.BrowserState
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    mcp: bool = False  # `playground --mcp`: the tools for agents beside the page (ui/mcp/)
    runs: RunRegistry = field(default_factory=RunRegistry)
    anyway: RunAnyway = field(default_factory=RunAnyway)
    reopen: Reopen = field(default_factory=Reopen)
    demo: DemoSettings | None = None  # demo mode (`--demo FILE`): the host's controls

    def concurrency(self, usual: int) -> int | None:
        """A run event's limit in Gradio's queue: `usual`; none in demo mode, where every run
        waits in the service's gate instead, which tells the visitor their place in line."""
        return None if self.demo is not None else usual

    @property
    def backend(self) -> Backend:
        return self.service.server

    @property
    def data_dir(self) -> Path:
        return self.service.data_dir

    @property
    def tasks(self) -> TaskTable:
        """The task table the page is built from (the service's: its presets follow it)."""
        return self.service.tasks

    @property
    def output_dir(self) -> Path:
        """Where outputs live. The app serves only these (and Compare's own files:
        `served_dirs`), never the engine database or secrets (`private_paths`)."""
        return self.service.output_dir

    @property
    def has_server_token(self) -> bool:
        """Whether the service carries a token of its own (never its value)."""
        return self.service.has_token


def make_context(service: Service | AppContext, *, browser_secret: str = "",
                 max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
                 demo: DemoSettings | None = None, mcp: bool = False) -> AppContext:
    """An AppContext for `service` (an AppContext is returned as it is). `browser_secret`,
    when given (tests), is the server's key; else it is the data directory's `private/` one.
    `mcp` serves the MCP tools beside the page (`build_app` adds them, `serve` serves them)."""
    if isinstance(service, AppContext):
        return service
    keys = (BrowserKeys(browser_secret.encode()) if browser_secret
            else BrowserKeys.load(service.data_dir))
    return AppContext(service=service, keys=keys, owners=Owners(keys),
                      presets=PresetsView(service), token_state=token_state(),
                      max_upload_bytes=max_upload_bytes, demo=demo, mcp=mcp)
