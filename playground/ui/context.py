"""What every tab is built from: the service, its presets, and the runs of each session."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from playground.service import Backend, Service, private_dir
from playground.tasks import TaskTable
from playground.ui.owners import Owners
from playground.ui.presets_view import PresetsView
from playground.ui.reopen import Reopen

if TYPE_CHECKING:
    import gradio as gr

    from playground.ui.compare_add import CompareAdd

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
BROWSER_SECRET = "ui-browser-secret"


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

    `token_state` is the per-browser encrypted token (a `gr.BrowserState`), created by the shell
    before the tabs are built; tabs pass it as an input to every event. `owner_state` holds the
    browser's anonymous owner id the same way; `owners` knows it per page session, so a run
    says whose it is from its request. `reopen` holds every tab's form (a saved run put back);
    `tabs` is the page's `gr.Tabs` (the History tab switches to a run's tab); `compare_add`
    is set by the Compare tab (History's Add to Compare writes its form).
    """

    service: Service
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    runs: RunRegistry = field(default_factory=RunRegistry)
    token_state: gr.BrowserState | None = None
    browser_secret: str = ""
    presets: PresetsView = field(init=False)
    owner_state: gr.BrowserState | None = None
    owners: Owners = field(default_factory=Owners)
    anyway: RunAnyway = field(default_factory=RunAnyway)
    reopen: Reopen = field(default_factory=Reopen)
    tabs: gr.Tabs | None = None
    tab_blocks: dict[str, gr.Tab] = field(default_factory=dict)
    compare_add: CompareAdd | None = None  # the Compare tab's form, for History's Add to Compare

    def __post_init__(self) -> None:
        self.presets = PresetsView(self.service)
        if not self.browser_secret:
            self.browser_secret = _browser_secret(self.service.data_dir)

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


def _browser_secret(folder: Path) -> str:
    """A stable secret for BrowserState, so saved tokens survive a restart of the app.

    Kept in the data directory's `private/` folder (owner-only, never served); a secret from
    before that folder existed (at the data directory's top) is moved there.
    """
    try:
        path = private_dir(folder) / BROWSER_SECRET
    except OSError:  # a read-only data dir: tokens then last until the app restarts
        return secrets.token_urlsafe(24)
    try:
        old = folder / BROWSER_SECRET
        if old.is_file() and not path.exists():
            os.replace(old, path)
        if path.exists():
            path.chmod(0o600)
        text = path.read_text().strip()
        if len(text) >= 16:
            return text
    except OSError:
        pass
    value = secrets.token_urlsafe(24)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(value)
    except OSError:
        pass  # a read-only data dir: tokens then last until the app restarts
    return value
