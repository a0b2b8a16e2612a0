"""Helpers for the service tests: servers in threads, media files made on the spot."""

from __future__ import annotations

import io
import math
import shutil
import socket
import struct
import subprocess
import threading
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import uvicorn
from PIL import Image


@contextmanager
def serve_app(app, host: str = "127.0.0.1") -> Iterator[str]:
    """Runs an ASGI app with uvicorn on a free port of a loopback address; yields its base URL."""
    sock = socket.socket()
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB", **save) -> bytes:
    image = Image.new(mode, size)
    w, h = size
    # a gradient, so encoders produce real data
    px = np.zeros((h, w, len(mode)), dtype=np.uint8)
    px[..., 0] = np.linspace(0, 255, w, dtype=np.uint8)[None, :]
    if len(mode) > 1:
        px[..., 1] = np.linspace(0, 255, h, dtype=np.uint8)[:, None]
    if len(mode) == 4:
        px[..., 3] = 128
    image = Image.fromarray(px.squeeze(), mode)
    buf = io.BytesIO()
    image.save(buf, format=fmt, **save)
    return buf.getvalue()


def noisy_photo(size: tuple[int, int] = (4000, 3000), seed: int = 0, **save) -> bytes:
    """A photo-like JPEG: gradient plus noise, so it stays large when compressed."""
    w, h = size
    rng = np.random.default_rng(seed)
    grad = np.linspace(0, 200, w, dtype=np.float32)[None, :, None] + np.zeros((h, 1, 3), np.float32)
    px = np.clip(grad + rng.normal(0, 25, (h, w, 3)), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(px, "RGB").save(buf, format="JPEG", quality=95, **save)
    return buf.getvalue()


def wav_bytes(seconds: float = 0.5, rate: int = 16000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        n = int(seconds * rate)
        w.writeframes(b"".join(
            struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
            for i in range(n)))
    return buf.getvalue()


def mp3_bytes(tmp_path: Path, *, id3: bool = True) -> bytes:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed")
    out = tmp_path / ("tone.mp3" if id3 else "raw.mp3")
    args = [ffmpeg, "-loglevel", "error", "-y", "-f", "lavfi", "-i",
            "sine=frequency=440:duration=0.5", "-q:a", "9"]
    if not id3:
        args += ["-id3v2_version", "0", "-write_xing", "0"]
    subprocess.run([*args, str(out)], check=True, timeout=60)
    return out.read_bytes()
