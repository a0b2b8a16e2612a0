"""Giving the models' memory back to the system: after a model's work, and when an unused
model is unloaded.

The native runtimes (onnxruntime, ncnn, CTranslate2, llama.cpp) allocate through the C
library's `malloc`. glibc's allocator keeps freed memory for reuse instead of returning it:
blocks of 128 KiB and more are mapped on their own and unmapped when freed, but after the first
such block is freed glibc raises that threshold (up to 32 MiB), so the megabytes of a model's
intermediate tensors then come from the heap and its per-thread arenas, and stay there, counted
in the process's memory, once the prediction is over (rembg: about 100 MiB after a run, more
after the next size; bench/memory.py). `malloc_trim(0)` returns the free pages inside the heap
and every arena to the system; it is glibc's (elsewhere these calls do nothing).

When: after a prediction that worked for a while and has no other waiting behind it (`trim`;
the next prediction would reuse the memory at once), and after an unload (`release`).
Not instead: a fixed mmap threshold (`mallopt(M_MMAP_THRESHOLD)`) returns large blocks as they
are freed, but makes every large allocation a fresh mapping, page-faulted again: Whisper's
decoder allocates and frees megabytes per token, and spent 0.1 to 0.3 s more system time per
8 s of speech that way; one trim per prediction costs up to 15 ms, off the prediction's time.
"""

from __future__ import annotations

import ctypes
import gc
import platform
import threading

_lock = threading.Lock()
_libc: ctypes.CDLL | None = None
_checked = False


def _glibc() -> ctypes.CDLL | None:
    global _libc, _checked
    with _lock:
        if not _checked:
            _checked = True
            if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
                try:
                    libc = ctypes.CDLL(None)  # ctypes releases the GIL during the call
                    libc.malloc_trim.argtypes = [ctypes.c_size_t]
                    _libc = libc
                except (OSError, AttributeError):  # an unusual build: keep what it does
                    _libc = None
    return _libc


def trim() -> None:
    """Return the allocator's free pages to the system."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def release() -> None:
    """After an unload: collect garbage (a runtime's objects can sit in reference cycles),
    then `trim`."""
    gc.collect()
    trim()
