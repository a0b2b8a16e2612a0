"""What `/gradio_api/file=` hands out: outputs, never the secrets or the engine's database.

The data dir is laid out as `playground --backend local` lays it out (tests/ui/conftest.py):
the engine's database under `engine/`, the browser secret under `private/`.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from playground.ui.context import _browser_secret

from .conftest import RunningApp


def _get(app: RunningApp, path: str) -> httpx.Response:
    # raw: httpx would otherwise normalise `..` segments away before they reach the server
    url = httpx.URL(app.url + "gradio_api/file=" + path)
    return httpx.get(url, timeout=30)


@pytest.fixture(scope="module")
def private(app: RunningApp) -> dict[str, Path]:
    """The private files a real data dir holds, next to one output a visitor may fetch."""
    data = app.data_dir
    files = {
        "secret": data / "private" / "ui-browser-secret",
        "old_secret": data / "ui-browser-secret",  # left by a version before private/
        "db": data / "engine" / "engine.sqlite3",
        "wal": data / "engine" / "engine.sqlite3-wal",
        "output": data / "outputs" / "0123456789abcdef.txt",
    }
    for name, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(f"{name} contents: keep out")
    link = data / "outputs" / "innocent.txt"
    if not link.is_symlink():
        link.symlink_to(files["secret"])
    files["link"] = link
    return files


def test_an_output_is_served(app: RunningApp, private: dict[str, Path]) -> None:
    response = _get(app, str(private["output"]))
    assert response.status_code == 200 and response.text == "output contents: keep out"


@pytest.mark.parametrize("name", ["secret", "old_secret", "db", "wal", "link"])
def test_private_files_are_refused(app: RunningApp, private: dict[str, Path], name: str) -> None:
    response = _get(app, str(private[name]))
    assert response.status_code == 403, (name, response.text[:200])
    assert "keep out" not in response.text


@pytest.mark.parametrize("path", [
    "/etc/os-release",
    "{data}/outputs/../private/ui-browser-secret",
    "{data}/outputs/%2e%2e/engine/engine.sqlite3",
    "{data}/compare/../engine/engine.sqlite3",
    "{data}",
    "{data}/engine",
    "../../../../etc/passwd",
])
def test_paths_outside_outputs_are_refused(app: RunningApp, private: dict[str, Path],
                                           path: str) -> None:
    response = _get(app, path.format(data=app.data_dir))
    assert response.status_code in (403, 404), (path, response.text[:200])
    assert "keep out" not in response.text and "root:" not in response.text


def test_browser_secret_lives_in_private_and_moves_there(isolated_env: Path) -> None:
    old = isolated_env / "ui-browser-secret"
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_text("an-old-secret-of-enough-length")
    # saved tokens still decrypt
    assert _browser_secret(isolated_env) == "an-old-secret-of-enough-length"
    new = isolated_env / "private" / "ui-browser-secret"
    assert new.read_text() == "an-old-secret-of-enough-length" and not old.exists()
    assert os.stat(new).st_mode & 0o077 == 0 and os.stat(new.parent).st_mode & 0o077 == 0
    # stable across restarts
    assert _browser_secret(isolated_env) == "an-old-secret-of-enough-length"


def test_a_fresh_browser_secret_is_private(isolated_env: Path) -> None:
    value = _browser_secret(isolated_env)
    path = isolated_env / "private" / "ui-browser-secret"
    assert path.read_text() == value and len(value) >= 16
    assert os.stat(path).st_mode & 0o077 == 0
    assert not (isolated_env / "ui-browser-secret").exists()
