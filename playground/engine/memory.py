"""Giving the models' memory back to the system: when a model's work is done, and when an
unused model is unloaded.

The native runtimes (onnxruntime, ncnn, CTranslate2, llama.cpp) allocate through the C
library's `malloc`. glibc's allocator keeps freed memory for reuse instead of returning it:
blocks of 128 KiB and more are mapped on their own and unmapped when freed, but after the first
such block is freed glibc raises that threshold (up to 32 MiB), so the megabytes of a model's
intermediate tensors then come from the heap and its per-thread arenas, and stay there, counted
in the process's memory, after the prediction (rembg: 100 MiB more after each of its first
runs; bench/memory.py). Two calls fix that, on glibc only (elsewhere both do nothing):

- `limit_retention()`: a fixed threshold of 1 MiB (`mallopt(M_MMAP_THRESHOLD)`, which also
  stops the threshold from moving): large blocks are always mapped on their own and go back to
  the system when freed. Small ones (what the HTTP server and Python allocate per request) are
  untouched. A mapped block costs a system call and page faults on first use, nothing next to
  the model work that allocates it.
- `release()`: after a model is unloaded, a garbage collection (its Python objects can sit in
  reference cycles) and `malloc_trim(0)`, which returns the free pages inside the heap and every
  arena (freed small blocks and what the threshold let through) to the system.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import platform
import threading

M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
MMAP_THRESHOLD = 1 << 20

log = logging.getLogger("playground.engine")
_lock = threading.Lock()
_libc: ctypes.CDLL | None = None
_limited = False


def _glibc() -> ctypes.CDLL | None:
    global _libc
    if _libc is None and platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        try:
            libc = ctypes.CDLL(None)
            libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
            libc.malloc_trim.argtypes = [ctypes.c_size_t]
            _libc = libc
        except (OSError, AttributeError):  # a static or unusual build: keep the defaults
            return None
    return _libc


def limit_retention() -> bool:
    """Large blocks are unmapped when freed (once per process). True when it applies."""
    global _limited
    with _lock:
        if not _limited:
            libc = _glibc()
            _limited = bool(libc and libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
            if not _limited:
                log.debug("engine: malloc's mmap threshold left as it is (not glibc)")
        return _limited


def release() -> None:
    """Collect garbage and return the allocator's free pages to the system."""
    gc.collect()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
