"""Hostile requests to the real app (on the real engine), through gradio_client and raw HTTP.

Every answer is a plain message (a gr.Error naming the problem, or a status line), never a
traceback or "An unexpected error happened"; no private file is read or served; and the app
keeps working: a normal chat answers after every one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from bad_files import huge_png
from gradio_client import Client, handle_file
from PIL import Image

from .conftest import RunningApp, start_app
from .helpers import Outcome, call

pytestmark = pytest.mark.models

NOT_PLAIN = ("Traceback", "unexpected error", "raised an exception", 'File "', "site-packages",
             "Error(", "KeyError", "ValueError", "TypeError", "OverflowError", "pydantic")
FORMAT = "replicate-playground/compare-session"
CHAT = ("Say hello.", "You are brief.", 16, 0, 0.9, "llama-3.1-405b-precise")
UPSCALE = (2, False, "real-esrgan-4x", "full")


@pytest.fixture(scope="module")
def hostile(app: RunningApp, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Files a visitor must never get at, and bad files a visitor may well upload."""
    data = app.data_dir
    folder = tmp_path_factory.mktemp("hostile")
    files = {
        "secret": data / "private" / "browser-keys",
        "private_photo": data / "private" / "photo.png",  # an image: Pillow would read it
        "elsewhere_photo": folder / "elsewhere.png",
        "bomb": folder / "bomb.png",
        "big": folder / "big.png",
        "truncated": folder / "cut.png",
        "text_as_image": folder / "notes.png",
        "garbage_session": folder / "garbage.json",
        "deep_session": folder / "deep.json",
        "link": data / "outputs" / "innocent.png",
    }
    files["secret"].parent.mkdir(parents=True, exist_ok=True)
    files["secret"].write_text("the-browser-secret-keep-out")
    for name in ("private_photo", "elsewhere_photo"):
        Image.new("RGB", (24, 24), "purple").save(files[name])
    files["bomb"].write_bytes(huge_png(20000, 20000))
    files["big"].write_bytes(huge_png(9000, 9000))
    whole = files["elsewhere_photo"].read_bytes()
    files["truncated"].write_bytes(whole[: len(whole) // 2])
    files["text_as_image"].write_text("meeting notes, not a picture\n")
    files["garbage_session"].write_bytes(b"\x00\xff\xfe not json at all")
    files["deep_session"].write_text("[" * 100_000 + "]" * 100_000)
    (data / "outputs").mkdir(exist_ok=True)
    if not files["link"].is_symlink():
        files["link"].symlink_to(files["private_photo"])
    return files


def _session_file(tmp: Path, name: str, **fields: Any) -> Path:
    body = {"format": FORMAT, "task": "image-to-image",
            "entries": [{"ref": "local/rembg"}, {"ref": "local/rembg"}], **fields}
    path = tmp / f"{name}.json"
    path.write_text(json.dumps(body))
    return path


def _raw(app: RunningApp, api: str, data: list[Any]) -> Outcome:
    """POST /gradio_api/call/<api> by hand: what gradio_client cannot be made to send."""
    body = json.dumps({"data": data})  # NaN and Infinity as Python writes them, on purpose
    started = httpx.post(f"{app.url}gradio_api/call/{api}", content=body, timeout=30,
                         headers={"Content-Type": "application/json"})
    if started.status_code >= 400:
        return Outcome(error=f"HTTP {started.status_code}: {started.text}")
    event = started.json()["event_id"]
    stream = httpx.get(f"{app.url}gradio_api/call/{api}/{event}", timeout=120).text
    outcome = Outcome()
    if "event: error" in stream:
        payload = stream.rsplit("event: error", 1)[1].split("data:", 1)[1].strip()
        found = json.loads(payload)
        outcome.error = (found or {}).get("error") or "raised an exception (no message)"
    else:
        outcome.final = stream
    return outcome


def _upload(app: RunningApp, path: Path) -> dict[str, Any]:
    """Upload as the page does; the FileData that names the upload."""
    with path.open("rb") as f:
        sent = httpx.post(f"{app.url}gradio_api/upload", files={"files": (path.name, f)},
                          timeout=30)
    return {"path": sent.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def _status(outcome: Outcome) -> str:
    """The answer a person reads: the error, or the last status line."""
    if outcome.error:
        return outcome.error
    return outcome.texts()


Case = Callable[[Client, RunningApp, dict[str, Path], Path], Outcome]


def _upload_elsewhere(api: str, key: str, *rest: Any) -> Case:
    # FileData without `meta`: gradio_client sends it as it is, Gradio does not check it
    return lambda c, a, h, t: call(c, api, {"path": str(h[key])}, *rest)


CASES: dict[str, tuple[Case, str]] = {
    # -- comparison session files --------------------------------------------------------------
    "session names the browser secret": (
        lambda c, a, h, t: _load(c, _session_file(t, "s1", task="transcription",
                                                  input_files={"audio": "ui-browser-secret"})),
        "not a file of this app"),
    "session names /etc/os-release": (
        lambda c, a, h, t: _load(c, _session_file(t, "s2",
                                                  input_files={"image": "/etc/os-release"})),
        "not a file of this app"),
    "session names the engine's WAL": (
        lambda c, a, h, t: _load(c, _session_file(
            t, "s3", runs=[{"round": 1, "entry": 0, "status": "succeeded",
                            "files": ["engine/engine.sqlite3-wal"]}])),
        "not a file of this app"),
    "session climbs out with ..": (
        lambda c, a, h, t: _load(c, _session_file(t, "s4", grids=[{
            "ref": "local/rembg", "x_name": "m", "x_values": [1], "y_name": "s",
            "y_values": [1], "image": "outputs/../private/browser-keys"}])),
        "not a file of this app"),
    "session names a symlink out of outputs": (
        lambda c, a, h, t: _load(c, _session_file(t, "s5",
                                                  input_files={"image": "outputs/innocent.png"})),
        "leads outside"),
    "session file is binary garbage": (
        lambda c, a, h, t: _load(c, h["garbage_session"]),
        "not an exported comparison"),
    "session JSON nested 100,000 deep": (
        lambda c, a, h, t: _load(c, h["deep_session"]),
        "not an exported comparison"),
    "run again with no session": (
        lambda c, a, h, t: call(c, "/compare_again"),
        "Nothing to run again yet"),
    # -- file paths the browser makes up -------------------------------------------------------
    "upscale a private image by path": (
        _upload_elsewhere("/upscale", "private_photo", *UPSCALE), "uploaded to this page"),
    "remove background of a file elsewhere": (
        _upload_elsewhere("/background", "elsewhere_photo", "rembg"), "uploaded to this page"),
    "restore faces through a symlink": (
        _upload_elsewhere("/faces", "link", "v1.4", 2, "gfpgan"), "uploaded to this page"),
    "transcribe the browser secret": (
        lambda c, a, h, t: _raw(a, "transcribe", [
            {"path": str(h["secret"]), "meta": {"_type": "gradio.FileData"}}, "auto",
            "plain text", False, "whisper", None]),
        "uploaded to this page"),
    "compare a private image by path": (
        lambda c, a, h, t: call(c, "/compare", "image-to-image", "local/rembg", "local/rembg",
                                None, None, "", "", "", "", "", {"path": str(h["private_photo"])},
                                None, 1, ""),
        "uploaded to this page"),
    "upscale /etc/os-release with FileData meta": (
        lambda c, a, h, t: _raw(a, "upscale", [
            {"path": "/etc/os-release", "meta": {"_type": "gradio.FileData"}}, *UPSCALE, None]),
        "uploaded to this page"),
    "an image given as a bare path string": (
        lambda c, a, h, t: _raw(a, "upscale", [str(h["private_photo"]), *UPSCALE, None]),
        "does not fit its field"),
    # -- bad files -----------------------------------------------------------------------------
    "a 20000x20000 PNG bomb to upscale": (
        lambda c, a, h, t: call(c, "/upscale", handle_file(h["bomb"]), *UPSCALE),
        "20000x20000 pixels"),
    "a 9000x9000 PNG to remove background": (
        lambda c, a, h, t: call(c, "/background", handle_file(h["big"]), "rembg"),
        "9000x9000 pixels"),
    "a PNG bomb to compare": (
        lambda c, a, h, t: call(c, "/compare", "image-to-image", "local/rembg", "local/rembg",
                                None, None, "", "", "", "", "", handle_file(h["bomb"]), None, 1,
                                ""),
        "20000x20000 pixels"),
    "a truncated PNG": (
        lambda c, a, h, t: call(c, "/faces", handle_file(h["truncated"]), "v1.4", 2, "gfpgan"),
        "cut.png"),
    "a text file posing as an image": (
        lambda c, a, h, t: call(c, "/upscale", handle_file(h["text_as_image"]), *UPSCALE),
        "notes.png"),
    # -- numbers and strings -------------------------------------------------------------------
    # (gradio_client cannot send NaN, inf or a lone surrogate: raw HTTP can)
    "NaN scale": (
        lambda c, a, h, t: _raw(a, "upscale", [_upload(a, h["elsewhere_photo"]), float("nan"),
                                               False, "real-esrgan-4x", "full", None]),
        "nan is not a number that can be sent"),
    "infinite image width": (
        lambda c, a, h, t: _raw(a, "image", ["a cat", "", float("inf"), 512, 1, "K_EULER", 1,
                                             0, 0, False, "sdxl", None]),
        "greater than maximum"),
    "huge max tokens": (
        lambda c, a, h, t: _raw(a, "chat", ["Hi", "", 1e300, 0, 0.9, "llama-3.1-405b-precise",
                                            None]),
        "greater than maximum"),
    "a lone surrogate and NUL in the chat message": (
        lambda c, a, h, t: _raw(a, "chat", ["x\ud800y\x00z", "", 16, 0, 0.9,
                                            "llama-3.1-405b-precise", None]),
        "lone surrogate"),
    "NaN in compare's shared inputs": (
        lambda c, a, h, t: call(c, "/compare", "chat", "local/smollm2-135m-instruct",
                                "local/smollm2-135m-instruct", None, None, "", "", "", "",
                                "Hi", None, None, 1, '{"temperature": NaN}'),
        "NaN is not a number"),
    "unknown preset name": (
        lambda c, a, h, t: _raw(a, "upscale_preset", ["no-such-preset"]),
        "no-such-preset"),
    "unknown preset name in a run (no Dropdown check: preprocess=False)": (
        lambda c, a, h, t: call(c, "/upscale", handle_file(h["elsewhere_photo"]), 2, False,
                                "no-such-preset", "full"),
        "no-such-preset"),
    # -- tokens --------------------------------------------------------------------------------
    "a token with a line break (header injection)": (
        lambda c, a, h, t: call(c, "/chat", *CHAT, token="r8_abc\r\nX-Evil: 1"),
        "token"),
    "a token that is not ASCII": (
        lambda c, a, h, t: call(c, "/chat", *CHAT, token="r8_tökén"),
        "token"),
}


def _load(client: Client, path: Path) -> Outcome:
    return call(client, "/compare_load", handle_file(path))


def _works(client: Client) -> None:
    after = call(client, "/chat", *CHAT)
    assert after.error is None, after.error
    assert "Done" in after.texts(), after.texts()[-500:]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_request_gets_a_plain_answer(name: str, client: Client, app: RunningApp,
                                         hostile: dict[str, Path], tmp_path: Path) -> None:
    make, expected = CASES[name]
    outcome = make(client, app, hostile, tmp_path)
    said = _status(outcome)
    assert said.strip(), f"{name}: no answer at all"
    assert not any(bad in said for bad in NOT_PLAIN), f"{name}: {said[-800:]}"
    assert expected.lower() in said.lower(), f"{name}: {said[-800:]}"
    assert "keep-out" not in said and "purple" not in said
    _works(client)


def test_nothing_private_was_copied_or_served(app: RunningApp, hostile: dict[str, Path],
                                              client: Client) -> None:
    # none of the refused files ended up among Compare's inputs or anywhere a visitor reaches
    private = {hostile["private_photo"].read_bytes(), hostile["secret"].read_bytes()}
    inputs = app.data_dir / "compare" / "inputs"
    copies = [p for p in inputs.rglob("*") if p.is_file() and p.read_bytes() in private]
    assert copies == []
    for path in (hostile["secret"], hostile["private_photo"], app.data_dir / "engine"):
        answer = httpx.get(f"{app.url}gradio_api/file={path}", timeout=30)
        assert answer.status_code in (403, 404), path


def test_a_dead_backend_is_named(tmp_path: Path) -> None:
    from playground.service import Service

    service = Service("http://127.0.0.1:9", data_dir=tmp_path / "app")
    demo, url = start_app(service, tmp_path / "app", tabs=["chat"])
    try:
        client = Client(url, verbose=False)
        outcome = call(client, "/chat", *CHAT)
        said = _status(outcome)
        assert "stopped answering" in said, said
        assert not any(bad in said for bad in NOT_PLAIN), said
    finally:
        demo.close()
