"""Input files kept for predictions (long data URIs): how long they last, and how much disk.

A kept input is `outputs/<pid>/input-*`, served beside that prediction's outputs. It lasts
while its prediction is queued or running, and `keep_for` after it ends (an hour: Replicate
deletes an API prediction's files after one); the end is the files' mtime (touched then), so a
restart knows it too. A sweep every minute deletes the expired ones, and a request for one
finds nothing from the moment it expires.

All kept inputs together stay under `max_bytes`. A new one makes room by deleting expired
ones, then the oldest of predictions that have ended (the model has had them: their URLs go
away early). One that cannot fit beside the inputs of predictions still queued or running is
`Full` (the caller answers 429: it fits once they end); one larger than the cap alone is
`TooBig` (413).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "input-"  # an output is never named so (OutputStore renames it)
KEEP_FOR = 3600.0
MAX_BYTES = 2 * 1024**3
SWEEP_EVERY = 60.0


class Full(Exception):
    """No room now beside the inputs of predictions still queued or running."""


class TooBig(Exception):
    """Larger than all kept inputs may be together."""


@dataclass
class _Kept:
    size: int = 0
    ended: float | None = None  # time.time() when its prediction ended; None while it runs


class KeptInputs:
    def __init__(self, root: Path, max_bytes: int = MAX_BYTES,
                 keep_for: float = KEEP_FOR) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.keep_for = keep_for
        self.total = 0
        self._kept: dict[str, _Kept] = {}
        self._lock = threading.Lock()
        for path in root.glob(f"*/{PREFIX}*"):  # what an earlier run left
            with contextlib.suppress(OSError):
                stat = path.stat()
                entry = self._kept.setdefault(path.parent.name, _Kept(ended=0.0))
                entry.size += stat.st_size
                entry.ended = max(entry.ended or 0.0, stat.st_mtime)
                self.total += stat.st_size
        self.purge()
        self._stop = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep, daemon=True, name="kept-sweep")
        self._sweeper.start()

    def _sweep(self) -> None:
        while not self._stop.wait(SWEEP_EVERY):
            self.purge()

    def close(self) -> None:
        self._stop.set()

    def reserve(self, pid: str, size: int) -> None:
        """Room for `size` bytes more of `pid`'s inputs; raises Full or TooBig."""
        if size > self.max_bytes:
            raise TooBig(f"larger than the {_human(self.max_bytes)} of input files this engine "
                         "keeps")
        with self._lock:
            self._purge(time.time())
            ended = sorted((e.ended, p) for p, e in self._kept.items() if e.ended is not None)
            for _, victim in ended:
                if self.total + size <= self.max_bytes:
                    break
                self._delete(victim)
            if self.total + size > self.max_bytes:
                raise Full()
            entry = self._kept.setdefault(pid, _Kept())
            entry.ended = None
            entry.size += size
            self.total += size

    def settle(self, pid: str, reserved: int, actual: int) -> None:
        """The file written was `actual` bytes where `reserved` were set aside."""
        with self._lock:
            if entry := self._kept.get(pid):
                entry.size += actual - reserved
                self.total += actual - reserved

    def ended(self, pid: str) -> None:
        """Its prediction ended: the lifetime starts now (also on disk, for a restart)."""
        if pid not in self._kept:  # most predictions keep nothing: no lock, no syscall
            return
        with self._lock:
            entry = self._kept.get(pid)
            if entry is None:
                return
            entry.ended = time.time()
        for path in (self.root / pid).glob(f"{PREFIX}*"):
            with contextlib.suppress(OSError):
                os.utime(path, (entry.ended, entry.ended))

    def forget(self, pid: str) -> None:
        """Its files were removed (a refused prediction)."""
        with self._lock:
            if entry := self._kept.pop(pid, None):
                self.total -= entry.size

    def expired(self, pid: str) -> bool:
        """Whether `pid`'s kept inputs are gone (deleting them now if their time is up)."""
        entry = self._kept.get(pid)
        if entry is None:
            return True
        if entry.ended is None or entry.ended + self.keep_for > time.time():
            return False
        with self._lock:
            self._purge(time.time())
        return True

    def purge(self) -> None:
        with self._lock:
            self._purge(time.time())

    def _purge(self, now: float) -> None:
        for pid, entry in list(self._kept.items()):
            if entry.ended is not None and entry.ended + self.keep_for <= now:
                self._delete(pid)

    def _delete(self, pid: str) -> None:
        entry = self._kept.pop(pid)
        self.total -= entry.size
        folder = self.root / pid
        for path in folder.glob(f"{PREFIX}*"):
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()  # unless it holds outputs


def _human(size: int) -> str:
    return f"{size / 2**30:g} GiB" if size >= 2**30 else (
        f"{size / 2**20:g} MiB" if size >= 2**20 else f"{size / 2**10:g} KiB")
