"""Which app processes are alive: each one that keeps runs while they run holds a lock file.

A run is stored as it starts, with the id of the process running it (`runs.runner`). When that
process dies (a crash, a kill -9, a power cut) its run never ends by itself; the next process
to open the history finds it and marks it interrupted. A process id alone cannot say who is
alive (ids are reused; in a container the app is pid 1 after every restart), so each process
holds an exclusive lock on a file of its own: the operating system drops it when the process
dies, however it dies, and another process can tell by trying to take it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted there, which is the test instead
    fcntl = None  # type: ignore[assignment]

FOLDER = Path("private") / "running"  # under the data folder's never-served private folder
_ID = re.compile(r"^[0-9a-f]{16}$")


class Runners:
    """This process's claim (`mine()`, taken on first use) and the test of anyone else's."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / FOLDER
        self._runner: str | None = None
        self._held: IO[bytes] | None = None

    def mine(self) -> str:
        """This process's runner id; its lock is held until `close()` or the process ends."""
        if self._runner is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            runner = secrets.token_hex(8)
            held = (self.folder / f"{runner}.lock").open("wb")
            if fcntl is not None:
                fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: free
            self._runner, self._held = runner, held
        return self._runner

    def alive(self, runner: str) -> bool:
        """Whether the process that claimed `runner` still runs (this one does)."""
        if runner == self._runner:
            return True
        if not _ID.match(runner):
            return False
        path = self.folder / f"{runner}.lock"
        if fcntl is None:
            try:
                path.unlink(missing_ok=True)  # refused while its process holds it open
            except OSError:
                return True
            return False
        try:
            with path.open("rb") as probe:
                fcntl.flock(probe.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except FileNotFoundError:
            return False
        except OSError:  # held: its process is alive
            return True
        return False

    def forget(self, runner: str) -> None:
        """The lock file of a runner found dead (its runs are marked interrupted)."""
        if _ID.match(runner) and runner != self._runner:
            with contextlib.suppress(OSError):
                (self.folder / f"{runner}.lock").unlink()

    def close(self) -> None:
        if self._held is not None:
            path = self.folder / f"{self._runner}.lock"
            self._held.close()
            with contextlib.suppress(OSError):
                os.unlink(path)
            self._runner, self._held = None, None
