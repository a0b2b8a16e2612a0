"""Where the playground keeps its data, and the environment it reads once."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "replicate-playground"
REPLICATE_CLOUD = "https://api.replicate.com"


def data_dir() -> Path:
    """Outputs, the engine's database and files. `PLAYGROUND_DATA_DIR` overrides it."""
    path = Path(os.environ.get("PLAYGROUND_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Model weights fetched by the model store. `PLAYGROUND_CACHE_DIR` overrides it."""
    path = Path(os.environ.get("PLAYGROUND_CACHE_DIR") or platformdirs.user_cache_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path
