"""Runs and files for the history tests."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from playground.history import FinishedRun

OWNER_A = "browser-a-0123456789"
OWNER_B = "browser-b-0123456789"


def png(color: tuple[int, int, int] = (200, 30, 30), size: int = 8) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, format="PNG")
    return buf.getvalue()


def finished(**fields: Any) -> FinishedRun:
    base: dict[str, Any] = {
        "task": "image", "tab": "image", "model": "stability-ai/sdxl", "version": "v1",
        "backend_kind": "local", "backend_url": "http://127.0.0.1:8008",
        "status": "succeeded", "inputs": {"prompt": "a red fox in the snow", "seed": 7},
        "output": None, "metrics": {"predict_time": 1.5, "client_time": 2.0},
    }
    base.update(fields)
    return FinishedRun(**base)


def saved(folder: Path, data: bytes, name: str) -> Path:
    """An output file as the service's OutputSaver leaves it."""
    path = folder / name
    path.write_bytes(data)
    return path
