"""Small checks shared by the integration tests."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHAT = "local/smollm2-135m-instruct"
# At temperature 0 this runs for about a minute (2300+ tokens) on 2 cores, so a generation is
# still running when a test cancels it ("count to 2000" stops after ~200 tokens).
LONG_CHAT = {"prompt": "Write a very long story about a dragon, with many chapters.",
             "max_tokens": 4000, "temperature": 0}


def png(data: bytes) -> Image.Image:
    """The bytes must be a real PNG; returns it decoded."""
    assert data[:8] == PNG_SIGNATURE, data[:16]
    img = Image.open(io.BytesIO(data))
    img.load()
    assert img.format == "PNG"
    return img


def until(check: Callable[[], bool], timeout: float = 60, every: float = 0.1) -> bool:
    """Poll `check` until true (no timing is asserted; the timeout only bounds a hang)."""
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(every)
    return True
