"""A session file may name only this app's own files (outputs/, compare/inputs/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from playground.compare import load_json
from playground.compare.report import load_problem
from playground.compare.safe_files import SessionFileRefused, session_file
from playground.compare.session import CompareSession, Entry, check_session_files


@pytest.fixture
def data(isolated_env: Path) -> Path:
    for name in ("outputs/0123abcd.png", "compare/inputs/feed.png", "private/ui-browser-secret",
                 "ui-browser-secret", "engine/engine.sqlite3-wal"):
        path = isolated_env / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"secret" if "png" not in name else b"\x89PNG")
    (isolated_env / "outputs" / "innocent.png").symlink_to(isolated_env / "ui-browser-secret")
    (isolated_env / "compare" / "inputs" / "up").symlink_to(isolated_env / "engine")
    return isolated_env


BAD_NAMES = [
    "ui-browser-secret", "private/ui-browser-secret", "engine/engine.sqlite3-wal",
    "/etc/os-release", "outputs/../ui-browser-secret", "compare/inputs/../../engine/x",
    "outputs/innocent.png", "compare/inputs/up/engine.sqlite3-wal", "outputs/./0123abcd.png",
    "~/.ssh/id_rsa", "C:\\Windows\\win.ini", "outputs\\..\\ui-browser-secret", "",
    "outputs/a\x00b.png", "outputs//etc/passwd", "outputs/x\ud800.png", "compare/exports/a.json",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_names_outside_the_apps_folders_are_refused(data: Path, name: str) -> None:
    with pytest.raises(SessionFileRefused):
        session_file(name, data)


def test_the_apps_own_names_are_kept(data: Path) -> None:
    assert session_file("outputs/0123abcd.png", data) == data / "outputs/0123abcd.png"
    assert session_file("compare/inputs/feed.png", data) == data / "compare/inputs/feed.png"
    # a missing output is still a name of ours (the load says it is missing)
    assert session_file("outputs/gone.png", data) == data / "outputs/gone.png"


def _session(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"format": "replicate-playground/compare-session", "task": "image",
                            "entries": [{"ref": "a/b"}, {"ref": "c/d"}]}
    return {**base, **fields}


@pytest.mark.parametrize("fields", [
    {"input_files": {"audio": "ui-browser-secret"}},
    {"input_files": {"image": "/etc/os-release"}},
    {"round_inputs": [{"round": 1, "inputs": {}, "files": {"image": "../../etc/passwd"}}]},
    {"runs": [{"round": 1, "entry": 0, "files": ["engine/engine.sqlite3-wal"]}]},
    {"grids": [{"ref": "a/b", "x_name": "s", "x_values": [1], "y_name": "t", "y_values": [2],
                "image": "outputs/../private/ui-browser-secret"}]},
    {"grids": [{"ref": "a/b", "x_name": "s", "x_values": [1], "y_name": "t", "y_values": [2],
                "runs": [{"round": 0, "entry": 0, "files": ["/etc/passwd"]}]}]},
])
def test_load_refuses_a_session_naming_other_files(data: Path, fields: dict[str, Any]) -> None:
    text = json.dumps(_session(**fields))
    with pytest.raises(SessionFileRefused) as caught:
        load_json(text, data)
    message = load_problem(caught.value)
    assert "not a file of this app" in message or "outside" in message
    assert "Traceback" not in message


def test_a_session_changed_after_loading_is_not_sent(data: Path) -> None:
    session = CompareSession(task="image-to-image", entries=[Entry(ref="a/b"), Entry(ref="c/d")],
                             input_files={"image": "compare/inputs/feed.png"})
    assert session.entry_parts(0, data)[0]["image"] == data / "compare/inputs/feed.png"
    session.input_files["image"] = "/etc/os-release"
    with pytest.raises(SessionFileRefused):
        session.entry_parts(0, data)
    with pytest.raises(SessionFileRefused):
        check_session_files(session, data)


def test_not_a_session_gets_one_plain_sentence(data: Path) -> None:
    for text in ('{"format": "x", "task": "chat", "entries": []}', "[" * 100_000, "{}",
                 '{"format": "replicate-playground/compare-session", "task": "chat", '
                 '"entries": [{"ref": "a/b"}, {"ref": "c/d"}], "seed": 1e999}'):
        with pytest.raises(ValueError) as caught:
            load_json(text if text.startswith("{") else text.encode(), data)
        message = load_problem(caught.value)
        assert message.startswith("That file is not an exported comparison (")
        assert "\n" not in message and "pydantic" not in message and len(message) < 320
