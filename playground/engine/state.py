"""The engine's shared state: models and versions, storage, the runner, and its own URLs."""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request

from . import kept
from .bodies import MAX_LARGE, LargeBodies
from .fetch import FetchError
from .models.base import EngineModel
from .outputs import OutputStore
from .runner import UNLOAD_AFTER, ModelEntry, Runner
from .schema import openapi_schema, version_id
from .store import Store, valid_id
from .webhooks import WebhookSender, load_secret

_OWN_FILE = re.compile(r"^/v1/files/([a-z0-9]+)(?:/download)?$")
_OWN_OUTPUT = re.compile(r"^/v1/outputs/([a-z0-9]+)/([^/]+)$")


class Engine:
    def __init__(self, models: Iterable[EngineModel], data_dir: Path, *, token: str | None,
                 public_url: str | None, allow_private_urls: bool, keepalive: float,
                 max_large_bodies: int = MAX_LARGE, max_kept: int = kept.MAX_BYTES,
                 keep_for: float = kept.KEEP_FOR, unload_after: float = UNLOAD_AFTER) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.token = token
        self.public_url = public_url.rstrip("/") if public_url else None
        self.keepalive = keepalive
        self.files_dir = data_dir / "files"
        self.files_dir.mkdir(exist_ok=True)
        self.store = Store(data_dir / "engine.sqlite3")
        self.store.mark_interrupted()
        self.outputs = OutputStore(data_dir / "outputs", max_kept, keep_for)
        self.large_bodies = LargeBodies(max_large_bodies)
        self.spool_dir = data_dir / "spool"  # large bodies' data URIs while they are read
        shutil.rmtree(self.spool_dir, ignore_errors=True)  # anonymous files; a crash's leftovers
        self.webhooks = WebhookSender(load_secret(self.store), allow_private_urls)
        self.origins: set[str] = set()
        if self.public_url:
            self.origins.add(self.public_url)
        self.runner = Runner(self.store, self.outputs, data_dir / "work", self.webhooks,
                             self.local_file, allow_private_urls, unload_after)
        self.models: dict[str, ModelEntry] = {}
        self.versions: dict[str, ModelEntry] = {}
        for model in models:
            schema = openapi_schema(model)
            entry = ModelEntry(model=model, schema=schema, version_id=version_id(schema))
            self.models[model.ref] = entry
            self.versions[entry.version_id] = entry
        for entry in self.models.values():
            entry.model.start(data_dir / "models" / entry.model.name,
                              functools.partial(self.refresh, entry))

    def refresh(self, entry: ModelEntry) -> None:
        """A model's interface changed (a Cog predictor reloaded): its new version is the
        model's latest; its old version id still names it."""
        schema = openapi_schema(entry.model)
        entry.schema = schema
        entry.version_id = version_id(schema)
        entry.__dict__.pop("secret_inputs", None)  # a cached_property: read again
        self.versions[entry.version_id] = entry

    def close(self) -> None:
        self.runner.close()
        for entry in self.models.values():
            entry.model.close()
        self.webhooks.close()
        self.outputs.close()
        self.store.close()

    def base_url(self, request: Request) -> str:
        """Absolute URLs in responses: the configured public URL, else the address of the socket
        the request came in on. Never the Host header: a client could send any name there."""
        if self.public_url:
            return self.public_url
        server = request.scope.get("server") or ("127.0.0.1", 80)
        host, port = str(server[0]), server[1]
        if ":" in host:
            host = f"[{host}]"
        base = f"http://{host}:{port}" if port else f"http://{host}"
        if len(self.origins) < 64:  # one per local address; bounded all the same
            self.origins.add(base)
        return base

    def local_file(self, url: str) -> tuple[Path, str] | None:
        """Our own file and output URLs appearing in inputs are read from disk, not fetched;
        so are the input files kept at creation (stored as markers)."""
        if marked := self.outputs.marker_path(url):
            return marked, marked.name
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" not in self.origins:
            return None
        if m := _OWN_FILE.match(parts.path):
            rec = self.store.get_file(m.group(1))
            path = self.files_dir / m.group(1)
            if rec and path.is_file():
                return path, str(rec.get("name") or "file")
        elif m := _OWN_OUTPUT.match(parts.path):
            if valid_id(m.group(1)):
                path = self.outputs.path(m.group(1), m.group(2))
                if path:
                    return path, m.group(2)
                if m.group(2).startswith(kept.PREFIX):  # else it is "fetched": a private address
                    raise FetchError(f"{m.group(2)} of prediction {m.group(1)} has expired "
                                     "(an input file is kept for an hour after its prediction)")
        return None
