"""Which server the service talks to: decided once (by `playground.cli`), then passed down."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from playground.config import REPLICATE_CLOUD
from playground.presets import BackendKind

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}
_LABELS: dict[BackendKind, str] = {
    "replicate": "Replicate cloud",
    "local": "Local engine (offline, on this computer)",
    "custom": "Custom server",
}


@dataclass(frozen=True)
class Backend:
    """A backend's kind (which models presets pick: the local stand-ins or the pinned ones)
    and its URL."""

    kind: BackendKind
    url: str

    @classmethod
    def for_url(cls, url: str | None) -> Backend:
        """The kind a URL most likely is: Replicate's host, a loopback engine, or custom.
        Only for callers that were not told (the CLI always says which)."""
        url = (url or REPLICATE_CLOUD).rstrip("/")
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        if host == "api.replicate.com":
            return cls("replicate", url)
        return cls("local" if host in _LOOPBACK else "custom", url)

    @property
    def label(self) -> str:
        return _LABELS[self.kind]

    @property
    def where(self) -> str:
        """The backend as a sentence names it: "There is no model x/y on Replicate"."""
        return {"replicate": "Replicate", "local": "this computer"}.get(self.kind,
                                                                            "this server")

    @property
    def is_local(self) -> bool:
        return self.kind == "local"
