"""A loaded session names no path: through the real app (gradio_client), Load then Save writes
only inside Compare's exports folder, under a name the app made.

Issue 18: a session whose `id` was `x/../../<any directory>/PWNED`, loaded with /compare_load
and saved with /compare_export, wrote PWNED.json and PWNED.html anywhere, overwriting what was
there; and a valid id let a visitor overwrite another's export by loading a file with its id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file

FORMAT = "replicate-playground/compare-session"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The Compare tab on an engine with no models (a loaded session needs none)."""
    from playground.engine.server import EngineThread
    from playground.service import Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    data = tmp_path_factory.mktemp("app-data")
    engine = EngineThread([], tmp_path_factory.mktemp("engine")).start()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLAYGROUND_DATA_DIR", str(data))
        ctx = make_context(Service(base_url=engine.url, data_dir=data, backend="local"),
                           browser_secret="compare-load-secret-0123")
        demo = build_app(ctx, tabs=["compare"])
        _, url, _ = serve(demo, data, block=False)
        try:
            yield url, data
        finally:
            demo.close()
            engine.stop()


def session_file(folder: Path, **fields: Any) -> Path:
    body = {"format": FORMAT, "task": "image-to-image",
            "entries": [{"ref": "local/rembg"}, {"ref": "local/rembg"}],
            "runs": [{"round": 1, "entry": 0, "status": "succeeded"},
                     {"round": 1, "entry": 1, "status": "failed", "error": "no"}], **fields}
    path = folder / "session.json"
    path.write_text(json.dumps(body))
    return path


def load_then_save(url: str, path: Path) -> tuple[str, Any, Any, str]:
    client = Client(url, verbose=False)
    loaded = client.predict(handle_file(str(path)), api_name="/compare_load")
    json_path, html_path, said = client.predict(api_name="/compare_export")
    return loaded[0], json_path, html_path, said


def test_an_id_that_is_a_path_writes_nothing_outside(app: tuple[str, Path],
                                                     tmp_path: Path) -> None:
    url, data = app
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "PWNED.json").write_text("keep me")
    hostile = "x/" + "../" * 12 + str(target).lstrip("/") + "/PWNED"
    status, json_path, html_path, said = load_then_save(url, session_file(tmp_path, id=hostile))
    assert "Not loaded" in status and "(id: must be 1 to 64 lowercase letters" in status
    assert not isinstance(json_path, str) and not isinstance(html_path, str)  # nothing saved
    assert "Nothing to save yet" in said
    assert [p.name for p in target.iterdir()] == ["PWNED.json"]
    assert (target / "PWNED.json").read_text() == "keep me"
    assert not list(data.rglob("PWNED*"))


def test_a_loaded_session_is_saved_under_a_name_the_app_made(app: tuple[str, Path],
                                                             tmp_path: Path) -> None:
    """Another visitor's export keeps its content: loading a file with its id does not make
    this visitor's Save write over it."""
    url, data = app
    exports = data / "compare" / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    theirs = exports / "compare-victim-0001.json"
    theirs.write_text("another visitor's comparison")
    status, json_path, html_path, said = load_then_save(
        url, session_file(tmp_path, id="victim-0001"))
    assert status.startswith("Loaded the saved comparison"), status
    assert said.startswith("Saved")
    saved = Path(json_path)
    assert saved.name.startswith("compare-") and saved.name != theirs.name
    assert json.loads(saved.read_text())["id"] != "victim-0001"
    assert theirs.read_text() == "another visitor's comparison"
    assert all(re.fullmatch(r"compare-[a-z0-9-]{1,64}\.(json|html)", p.name)
               for p in exports.iterdir())
    assert Path(html_path).name == saved.with_suffix(".html").name
