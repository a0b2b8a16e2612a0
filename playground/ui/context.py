"""What every tab is built from: the service, its presets, and the runs of each session."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from playground.service import Backend, Service
from playground.ui.presets_view import PresetsView

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


@dataclass
class AppContext:
    """Handed to every tab's `build(ctx)`.

    `token_state` is the per-browser encrypted token (a `gr.BrowserState`), created by the shell
    before the tabs are built; tabs pass it as an input to every event.
    """

    service: Service
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    runs: RunRegistry = field(default_factory=RunRegistry)
    token_state: gr.BrowserState | None = None
    browser_secret: str = ""
    presets: PresetsView = field(init=False)

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
    def output_dir(self) -> Path:
        """Where outputs live: the only files the app hands out."""
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

    Kept in the data directory with owner-only permissions; a fresh one is made on first use.
    """
    path = folder / "ui-browser-secret"
    try:
        text = path.read_text().strip()
        if len(text) >= 16:
            return text
    except OSError:
        pass
    value = secrets.token_urlsafe(24)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(value)
        path.chmod(0o600)
    except OSError:
        pass  # a read-only data dir: tokens then last until the app restarts
    return value
