"""What every tab is built from: the service, its presets, and the runs of each session."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from playground.service import Backend, BrowserKeys, Service
from playground.tasks import TaskTable
from playground.ui.kit.presets_view import PresetsView
from playground.ui.kit.reopen import Reopen
from playground.ui.serving.owners import Owners

if TYPE_CHECKING:
    import gradio as gr

    from playground.ui.compare.add import CompareAdd

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


@dataclass
class AppContext:
    """Handed to every tab's `build(ctx)`.

    `token_state` is the browser's saved token, sealed by the server for that browser (a
    `gr.BrowserState`), created by the shell before the tabs are built; tabs pass it as an
    input to every event and open it with `owners.token(value, request)`. `owners` says whose
    a request is (its browser's owner cookie, made and read with `keys`). `browser_secret`,
    when given (tests), is the server's key; else it is the data directory's `private/` one.
    `reopen` holds every tab's form (a saved run put back); `tabs` is the page's `gr.Tabs` (the
    History tab switches to a run's tab); `compare_add` is set by the Compare tab (History's
    Add to Compare writes its form).
    """

    service: Service
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    runs: RunRegistry = field(default_factory=RunRegistry)
    token_state: gr.BrowserState | None = None
    browser_secret: str = ""
    presets: PresetsView = field(init=False)
    keys: BrowserKeys = field(init=False)
    owners: Owners = field(init=False)
    anyway: RunAnyway = field(default_factory=RunAnyway)
    reopen: Reopen = field(default_factory=Reopen)
    tabs: gr.Tabs | None = None
    tab_blocks: dict[str, gr.Tab] = field(default_factory=dict)
    compare_add: CompareAdd | None = None  # the Compare tab's form, for History's Add to Compare

    def __post_init__(self) -> None:
        self.presets = PresetsView(self.service)
        self.keys = (BrowserKeys(self.browser_secret.encode()) if self.browser_secret
                     else BrowserKeys.load(self.service.data_dir))
        self.owners = Owners(self.keys)

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


def make_context(service: Service | AppContext, **kwargs: object) -> AppContext:
    """An AppContext for `service` (an AppContext is returned as it is)."""
    if isinstance(service, AppContext):
        return service
    return AppContext(service=service, **kwargs)  # type: ignore[arg-type]
