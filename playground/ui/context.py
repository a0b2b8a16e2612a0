"""What every tab is built from: the service, which backend it talks to, and per-session runs."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from playground.config import PRIVATE_FOLDER, REPLICATE_CLOUD, data_dir, private_dir

if TYPE_CHECKING:
    import gradio as gr

BackendKind = Literal["replicate", "local", "custom"]

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
BROWSER_SECRET = "ui-browser-secret"


@dataclass(frozen=True)
class Backend:
    """The server the service talks to, as the header describes it."""

    kind: BackendKind
    url: str

    @classmethod
    def for_url(cls, url: str, *, local: bool = False) -> Backend:
        if local:
            return cls("local", url)
        if url.rstrip("/") == REPLICATE_CLOUD:
            return cls("replicate", url)
        return cls("custom", url)

    @property
    def label(self) -> str:
        if self.kind == "replicate":
            return "Replicate cloud"
        if self.kind == "local":
            return "Local engine (offline, on this computer)"
        return "Custom server"

    @property
    def is_local(self) -> bool:
        return self.kind == "local"


class RunRegistry:
    """The prediction each browser session is running in each tab, so Cancel can reach it."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}

    def set(self, session: str, tab: str, prediction_id: str) -> None:
        self._ids[(session, tab)] = prediction_id

    def get(self, session: str, tab: str) -> str | None:
        return self._ids.get((session, tab))

    def pop(self, session: str, tab: str) -> str | None:
        return self._ids.pop((session, tab), None)


@dataclass
class AppContext:
    """Handed to every tab's `build(ctx)`.

    `token_state` is the per-browser encrypted token (a `gr.BrowserState`), created by the shell
    before the tabs are built; tabs pass it as an input to every event.
    """

    service: Any
    backend: Backend
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    runs: RunRegistry = field(default_factory=RunRegistry)
    token_state: gr.BrowserState | None = None
    browser_secret: str = ""
    server_token: bool | None = None  # None: look at the service (never at the token's value)

    def __post_init__(self) -> None:
        if not self.browser_secret:
            self.browser_secret = _browser_secret()

    @property
    def output_dir(self) -> Path:
        """The service's data dir. The app serves only its outputs (`config.served_dirs`),
        never its engine database or secrets (`config.private_paths`)."""
        found = getattr(self.service, "data_dir", None)
        return Path(found) if found else data_dir()

    @property
    def has_server_token(self) -> bool:
        """Whether the service carries a token of its own (never its value)."""
        if self.server_token is not None:
            return self.server_token
        if isinstance(getattr(self.service, "has_token", None), bool):
            return bool(self.service.has_token)
        for holder in (self.service, getattr(self.service, "client", None)):
            if holder is not None and getattr(holder, "token", None):
                return True
        return False


def make_context(service: Any, *, local: bool | None = None, **kwargs: Any) -> AppContext:
    """An AppContext for `service`; its backend kind comes from the service unless `local`
    says otherwise."""
    if isinstance(service, AppContext):
        return service
    url = str(getattr(service, "base_url", None) or REPLICATE_CLOUD)
    kind = getattr(service, "backend", None)
    if local is not None:
        backend = Backend.for_url(url, local=local)
    elif kind in ("replicate", "local", "custom"):
        backend = Backend(kind, url)
    else:
        backend = Backend.for_url(url)
    return AppContext(service=service, backend=backend, **kwargs)


def _browser_secret() -> str:
    """A stable secret for BrowserState, so saved tokens survive a restart of the app.

    Kept in the data directory's `private/` folder (owner-only, never served); a secret from
    before that folder existed (at the data directory's top) is moved there.
    """
    data = data_dir()
    path: Path = data / PRIVATE_FOLDER / BROWSER_SECRET
    try:
        private_dir(data)
        old = data / BROWSER_SECRET
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
