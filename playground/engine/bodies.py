"""Request bodies: a small one read in memory; a large one (past `SPOOL_AT`, by its declared
length or as it arrives) read through `spool.SpooledBody`, with at most `limit` of those at
once (the next is a 429 with Retry-After, which clients retry; a create refused so was never
created)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from starlette.requests import Request

from . import jsonsafe
from .inputs import file_fields
from .problems import Problem
from .spool import SpooledBody

SPOOL_AT = 1024 * 1024
MAX_LARGE = 4  # large bodies at once (each may hold a spool file of up to MAX_BODY)
MAX_BODY = 140 * 1024 * 1024  # a 100 MiB file as a base64 data URI, plus the rest
RETRY_AFTER = 5  # seconds: about what a 128 MiB body takes to be read and decoded


class LargeBodies:
    """How many large bodies are being read and handled. Only the event loop counts."""

    def __init__(self, limit: int = MAX_LARGE) -> None:
        self.limit = limit
        self.count = 0

    def take(self) -> Callable[[], None]:
        """A slot, or a 429; returns what gives it back (call it once)."""
        if self.count >= self.limit:
            raise Problem(429, f"the engine is already reading {self.limit} large requests: "
                               f"try again in {RETRY_AFTER} seconds",
                          headers={"Retry-After": str(RETRY_AFTER)})
        self.count += 1
        given: list[bool] = []

        def give_back() -> None:
            if not given:
                given.append(True)
                self.count -= 1

        return give_back


def _too_large() -> Problem:
    return Problem(413, "request body too large: upload big files with POST /v1/files")


class Body:
    """A parsed JSON body; its long data URIs (if any) in `spool`. Close it when done."""

    def __init__(self, value: dict[str, Any], spool: SpooledBody | None,
                 release: Callable[[], None] | None) -> None:
        self.value = value
        self.spool = spool
        self._release = release

    def close(self) -> None:
        """Idempotent: the spool file goes, the large-body slot is given back."""
        if self.spool is not None:
            self.spool.close()
        if self._release is not None:
            self._release()

    def restore(self, value: Any, keep: Callable[[tuple[Any, ...]], bool] = lambda _: False
                ) -> Any:
        """`value` with every set-aside string back as it was sent, except those `keep`
        accepts by their place (`("input", "image")`, `("input", "images", 0)`)."""
        if self.spool is None or not self.spool.literals:
            return value
        spool = self.spool

        def walk(node: Any, where: tuple[Any, ...]) -> Any:
            if isinstance(node, dict):
                return {spool.text(k) if spool.get(k) else k: walk(v, (*where, k))
                        for k, v in node.items()}
            if isinstance(node, list):
                return [walk(v, (*where, i)) for i, v in enumerate(node)]
            if spool.get(node) and not keep(where):
                return spool.text(node)
            return node

        return walk(value, ())

    def restore_outside_files(self, schema: dict[str, Any]) -> None:
        """Everything but the input's file fields gets its text back: a placeholder is only
        ever decoded as a file."""
        if self.spool is None or not self.spool.literals:
            return  # (most bodies: a no-op prediction pays nothing here)
        files = file_fields(schema)

        def keep(where: tuple[Any, ...]) -> bool:
            if len(where) < 2 or where[0] != "input" or where[1] not in files:
                return False
            return len(where) == (3 if files[where[1]] else 2)

        self.value = self.restore(self.value, keep)


@contextlib.contextmanager
def _closing_on_error(parts: list[Any]) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for close in parts:
            close()
        raise


async def read_json(request: Request, gate: LargeBodies, spool_dir: Path,
                    max_body: int = MAX_BODY) -> Body:
    """The body as a JSON object (400, 413, 422 or 429 otherwise)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise _too_large()
    cleanup: list[Callable[[], None]] = []
    release: Callable[[], None] | None = None
    spool: SpooledBody | None = None
    with _closing_on_error(cleanup):
        if declared.isdigit() and int(declared) > SPOOL_AT:
            release = gate.take()  # before the first read: a 100-continue client waits
            cleanup.append(release)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body:
                raise _too_large()
            if spool is None and size > SPOOL_AT:
                if release is None:  # no length declared: it is large now
                    release = gate.take()
                    cleanup.append(release)
                spool_dir.mkdir(parents=True, exist_ok=True)
                spool = SpooledBody(spool_dir)
                cleanup.append(spool.close)
                for earlier in chunks:
                    spool.feed(earlier)
                chunks = []
            if spool is not None:
                spool.feed(chunk)
            else:
                chunks.append(chunk)
        if spool is not None:
            spool.finish()
            raw, spool.skeleton = bytes(spool.skeleton), bytearray()
        else:
            raw = b"".join(chunks)
        try:
            value = jsonsafe.parse(raw or b"{}")
        except jsonsafe.UnsafeJSON as exc:
            raise Problem(422, f"request body refused: {exc}") from None
        except ValueError as exc:
            raise Problem(400, f"request body is not valid JSON: {exc}") from None
        if not isinstance(value, dict):
            raise Problem(400, "request body must be a JSON object")
        body = Body(value, spool, release)
        # the body's own fields (version, webhook) get their text back before anything reads
        # them; the input's wait for its schema (`restore_outside_files`)
        body.value = body.restore(value, lambda where: where[:1] == ("input",))
        return body
