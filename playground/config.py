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


# What the web app may hand to a browser, and what it never may (covers: the thumbnails the app
# made of models' cover images). The data directory holds both:
# outputs (served), the engine's database and the key behind the owner cookies and saved tokens
# (private).
SERVED_FOLDERS = ("outputs", "compare/inputs", "compare/exports", "covers")
PRIVATE_FOLDER = "private"
ENGINE_FOLDER = "engine"


def served_dirs(data: Path) -> list[Path]:
    """The folders under `data` whose files the app shows: outputs and compare's own files."""
    return [data / name for name in SERVED_FOLDERS]


def private_paths(data: Path) -> list[Path]:
    """Never served, whatever else is allowed: the engine's database and files, the secrets
    (and the old browser secret's place before `private/`, deleted at start), the run
    history's database (every browser's prompts) and Compare's votes."""
    return [data / ENGINE_FOLDER, data / PRIVATE_FOLDER, data / "ui-browser-secret",
            *(data / f"{db}{end}" for db in ("history.sqlite3", "votes.sqlite3")
              for end in ("", "-wal", "-shm", "-journal"))]


def private_dir(data: Path | None = None) -> Path:
    """Owner-only folder for secrets; nothing under it is ever served."""
    path = (data or data_dir()) / PRIVATE_FOLDER
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)  # mkdir's mode is masked by the umask
    return path
