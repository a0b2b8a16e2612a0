"""Prediction and file ids: 26 lowercase base32 characters (a-z, 2-7), as Replicate's look.

Each character is one random byte mapped through a table (256 is a multiple of 32, so every
character is uniform: 130 random bits), in C rather than base64.b32encode's Python loop. The
bytes are the OS's (os.urandom, as `secrets` reads them), drawn 4 KiB at a time: one
getrandom call per 157 ids instead of one per id (the call was 7 % of the event loop's time
under 64 concurrent clients)."""

from __future__ import annotations

import os
import threading

_ALPHABET = b"abcdefghijklmnopqrstuvwxyz234567"
_TABLE = bytes(_ALPHABET[b % 32] for b in range(256))
_ID_CHARS = 26
_POOL_BYTES = 4096
_pool = bytearray()
_lock = threading.Lock()


def _forget() -> None:
    _pool.clear()  # a forked child must not hand out its parent's next ids


os.register_at_fork(after_in_child=_forget)


def new_id() -> str:
    with _lock:
        if len(_pool) < _ID_CHARS:
            _pool[:] = os.urandom(_POOL_BYTES)
        raw = bytes(_pool[-_ID_CHARS:])
        del _pool[-_ID_CHARS:]
    return raw.translate(_TABLE).decode("ascii")
