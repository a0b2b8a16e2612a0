"""What `/gradio_api/file=` hands out: outputs, never the secrets or the engine's database.

The data dir is laid out as `playground --backend local` lays it out (tests/ui/conftest.py):
the engine's database under `engine/`, the browser key under `private/`.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from playground.service import BrowserKeys

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
        "secret": data / "private" / "browser-keys",
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
    "{data}/outputs/../private/browser-keys",
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


def test_the_browser_key_is_private_stable_and_the_old_secret_is_gone(
        isolated_env: Path) -> None:
    # The secret of earlier releases was handed to every page: it protects nothing, so it goes.
    for old in (isolated_env / "ui-browser-secret",
                isolated_env / "private" / "ui-browser-secret"):
        old.parent.mkdir(parents=True, exist_ok=True)
        old.write_text("an-old-secret-of-enough-length")
    keys = BrowserKeys.load(isolated_env)
    path = isolated_env / "private" / "browser-keys"
    assert len(bytes.fromhex(path.read_text())) == 32
    assert os.stat(path).st_mode & 0o077 == 0 and os.stat(path.parent).st_mode & 0o077 == 0
    assert not (isolated_env / "ui-browser-secret").exists()
    assert not (isolated_env / "private" / "ui-browser-secret").exists()
    # stable across restarts: a browser's cookie still names the same browser
    cookie = keys.new_cookie()
    again = BrowserKeys.load(isolated_env)
    assert again.cookie_name == keys.cookie_name
    assert again.browser(cookie) == keys.browser(cookie) is not None


def test_a_damaged_browser_key_is_replaced(isolated_env: Path) -> None:
    path = isolated_env / "private" / "browser-keys"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not hex")
    keys = BrowserKeys.load(isolated_env)
    assert len(bytes.fromhex(path.read_text())) == 32
    assert BrowserKeys.load(isolated_env).cookie_name == keys.cookie_name
