"""ncnn's C code writes "0.00%" to the process's stderr for every tile it upscales: hundreds of
lines in the terminal for one photo. While an upscale runs, stderr goes through a pipe that
drops those lines and forwards everything else, from any thread, as it comes."""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_PROGRESS = re.compile(rb"\s*\d{1,3}\.\d\d%\s*")
_MAYBE_PROGRESS = re.compile(rb"\s*[\d.]*%?")  # the start of one, split across reads

_lock = threading.Lock()
_users = 0
_saved: int | None = None  # the real stderr, while the pipe stands in for it
_reader: threading.Thread | None = None


@contextmanager
def progress_lines_dropped() -> Iterator[None]:
    """Within: ncnn's per-tile percentages never reach the terminal (nested and concurrent
    uses share one pipe)."""
    global _users
    with _lock:
        if _users == 0:
            _start()
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                _stop()


def _start() -> None:
    global _saved, _reader
    sys.stderr.flush()
    _saved = os.dup(2)
    read, write = os.pipe()
    os.dup2(write, 2)
    os.close(write)
    _reader = threading.Thread(target=_forward, args=(read, _saved), daemon=True,
                               name="stderr-filter")
    _reader.start()


def _stop() -> None:
    global _saved, _reader
    sys.stderr.flush()
    assert _saved is not None and _reader is not None
    os.dup2(_saved, 2)  # the pipe's last writer closes: the reader drains it and ends
    _reader.join(5)
    if not _reader.is_alive():  # else a child process still holds the pipe: keep its target
        os.close(_saved)
    _saved, _reader = None, None


def _forward(read: int, out: int) -> None:
    pending = b""
    with os.fdopen(read, "rb", buffering=0) as pipe:
        while chunk := pipe.read(65536):
            *lines, pending = (pending + chunk).split(b"\n")
            kept = b"".join(line + b"\n" for line in lines if not _PROGRESS.fullmatch(line))
            if pending and not _MAYBE_PROGRESS.fullmatch(pending):
                kept, pending = kept + pending, b""  # a prompt or a bar drawn with \r: now
            if kept:
                os.write(out, kept)
    if pending and not _PROGRESS.fullmatch(pending):
        os.write(out, pending)
