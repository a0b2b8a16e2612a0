"""The Code panel's snippets, run as a developer would paste them, against the real engine:
each gets the same output the run in the app got."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from playground.run_code import run_call, snippets
from playground.service import Service

from .helpers import CHAT

pytestmark = [pytest.mark.models, pytest.mark.timeout(240)]
ROOT = Path(__file__).resolve().parents[2]
# The official npm client, pinned in tests/browser/package.json (scripts/setup.sh --test).
NODE_MODULES = ROOT / "tests" / "browser" / "node_modules"
needs_node_client = pytest.mark.skipif(
    not shutil.which("node") or not (NODE_MODULES / "replicate" / "package.json").exists(),
    reason="node or the replicate npm package is missing (scripts/setup.sh --test)")
CHAT_INPUT = {"prompt": "Name three colors.", "max_tokens": 24, "temperature": 0}


def run_snippet(code: str, language: str, cwd: Path, *, token: bool = True) -> str:
    """Runs one snippet in `cwd` with only what a developer's shell would have (`token`:
    REPLICATE_API_TOKEN set, as it would be for Replicate)."""
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd),
           "PYTHONPATH": str(ROOT), "GRADIO_ANALYTICS_ENABLED": "False",
           "PLAYGROUND_DATA_DIR": str(cwd / "data")}
    if token:
        env["REPLICATE_API_TOKEN"] = "r8_from_env"
    if language == "cURL":
        argv = ["bash", "-c", code]
    elif language == "JavaScript":
        # An ES module finds "replicate" in a node_modules beside it, as in a developer's
        # project after `npm install replicate`.
        if not (cwd / "node_modules").exists():
            (cwd / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
        (cwd / "snippet.mjs").write_text(code)
        argv = ["node", "snippet.mjs"]
    else:
        (cwd / "snippet.py").write_text(code)
        argv = [sys.executable, "snippet.py"]
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


async def run_in_app(engine: Any, ref: str, inputs: dict[str, Any], data: Path) -> Any:
    service = Service(engine.url, data_dir=data)
    try:
        result = await service.run_model(ref, inputs)
    finally:
        await service.aclose()
    assert result.ok, result.error
    return result


def pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


async def test_chat_snippets_give_the_same_answer(engine: Any, tmp_path: Path) -> None:
    result = await run_in_app(engine, CHAT, CHAT_INPUT, tmp_path / "app")
    assert result.text.strip()
    code = snippets(run_call(CHAT, CHAT_INPUT, base_url=engine.url, output="text_stream"))
    assert "REPLICATE_API_TOKEN" in code["Python"] and "r8_" not in code["Python"]

    python_out = run_snippet(code["Python"], "Python", tmp_path)
    assert python_out == result.text + "\n"

    curl_out = json.loads(run_snippet(code["cURL"], "cURL", tmp_path))
    assert curl_out["status"] == "succeeded"
    assert "".join(curl_out["output"]) == result.text

    ours = run_snippet(code["Python (playground)"], "Python (playground)", tmp_path)
    assert ours.splitlines()[0].startswith("succeeded")
    assert ours.split("\n", 1)[1] == result.text + "\n"


@needs_node_client
async def test_the_engines_snippets_need_no_token(engine: Any, tmp_path: Path) -> None:
    """Offline the code says no token is needed, and runs in a shell that has none."""
    result = await run_in_app(engine, CHAT, CHAT_INPUT, tmp_path / "app")
    code = snippets(run_call(CHAT, CHAT_INPUT, base_url=engine.url, output="text_stream",
                             needs_token=False))
    for language, text in code.items():
        assert "REPLICATE_API_TOKEN" not in text, language
    assert "no token needed" in code["Python"]
    assert run_snippet(code["Python"], "Python", tmp_path, token=False) == result.text + "\n"
    assert run_snippet(code["JavaScript"], "JavaScript", tmp_path, token=False) == (
        result.text + "\n")
    curl_out = json.loads(run_snippet(code["cURL"], "cURL", tmp_path, token=False))
    assert "".join(curl_out["output"]) == result.text
    ours = run_snippet(code["Python (playground)"], "Python (playground)", tmp_path, token=False)
    assert ours.split("\n", 1)[1] == result.text + "\n"


async def test_file_snippets_give_the_same_image(engine: Any, media: dict[str, Path],
                                                 tmp_path: Path) -> None:
    upload = tmp_path / "gradio-upload" / "portrait.png"  # where a browser upload lands
    upload.parent.mkdir()
    shutil.copyfile(media["portrait"], upload)
    inputs = {"image": upload, "model": "u2netp"}
    result = await run_in_app(engine, "local/rembg", inputs, tmp_path / "app")
    expected = pixels(result.files[0].read_bytes())
    assert expected[..., 3].min() < 50  # the background really was removed

    call = run_call("local/rembg", inputs, base_url=engine.url, output="file",
                    output_suffix=".png")
    code = snippets(call)
    work = tmp_path / "dev"
    work.mkdir()
    shutil.copyfile(upload, work / "portrait.png")  # "read from the current folder"
    for text in code.values():
        assert str(upload.parent) not in text and "base64,iVBOR" not in text

    run_snippet(code["Python"], "Python", work)
    assert np.array_equal(pixels((work / "output.png").read_bytes()), expected)

    prediction = json.loads(run_snippet(code["cURL"], "cURL", work))
    assert prediction["status"] == "succeeded"
    header, _, encoded = prediction["output"].partition(",")
    assert header == "data:image/png;base64"  # small outputs come back inline
    assert np.array_equal(pixels(base64.b64decode(encoded)), expected)
    assert prediction["input"]["model"] == "u2netp"


async def test_a_secret_input_is_sent_but_never_kept(engine: Any, tmp_path: Path) -> None:
    from playground.service import REDACTED

    seen: list[Any] = []
    service = Service(engine.url, data_dir=tmp_path / "app")
    service.on_finished.append(seen.append)  # e.g. a run history
    try:
        result = await service.run_model(
            CHAT, {**CHAT_INPUT, "system_prompt": "Answer briefly."},
            secret_inputs=["system_prompt"])
    finally:
        await service.aclose()
    assert result.ok and result.text.strip()
    assert result.input["system_prompt"] == REDACTED
    assert result.prediction.input["system_prompt"] == REDACTED
    assert seen == [result] and "Answer briefly." not in repr(result)


@needs_node_client
async def test_javascript_snippets_run_with_the_official_npm_client(
        engine: Any, media: dict[str, Path], tmp_path: Path) -> None:
    """The JavaScript tab's code, run by node with the `replicate` npm package pointed at the
    engine by the snippet's own `baseUrl`, gives what the app got: the streamed answer, and
    the same image (the upload goes through the client's Files API upload)."""
    chat = await run_in_app(engine, CHAT, CHAT_INPUT, tmp_path / "app")
    code = snippets(run_call(CHAT, CHAT_INPUT, base_url=engine.url, output="text_stream"))
    assert f'baseUrl: "{engine.url}/v1"' in code["JavaScript"]
    assert "r8_" not in code["JavaScript"]
    work = tmp_path / "dev"
    work.mkdir()
    assert run_snippet(code["JavaScript"], "JavaScript", work) == chat.text + "\n"

    upload = tmp_path / "gradio-upload" / "portrait.png"
    upload.parent.mkdir()
    shutil.copyfile(media["portrait"], upload)
    inputs = {"image": upload, "model": "u2netp"}
    removed = await run_in_app(engine, "local/rembg", inputs, tmp_path / "app")
    expected = pixels(removed.files[0].read_bytes())
    code = snippets(run_call("local/rembg", inputs, base_url=engine.url, output="file",
                             output_suffix=".png"))
    shutil.copyfile(upload, work / "portrait.png")
    run_snippet(code["JavaScript"], "JavaScript", work)
    assert np.array_equal(pixels((work / "output.png").read_bytes()), expected)


@pytest.mark.parametrize("language", ["Python",
                                      pytest.param("JavaScript", marks=needs_node_client)])
async def test_a_big_output_served_as_a_plain_http_url_still_lands_in_the_file(
        engine: Any, tmp_path: Path, language: str) -> None:
    """Past the engine's data-URI limit an output comes back as an `http:` URL, which both
    official clients leave as text: the snippet fetches it itself."""
    upload = tmp_path / "gradio-upload" / "noise.png"
    upload.parent.mkdir()
    noise = np.random.default_rng(7).integers(0, 256, (800, 800, 3), dtype=np.uint8)
    Image.fromarray(noise).save(upload)  # noise does not compress: the output is megabytes
    inputs = {"image": upload, "model": "u2netp"}
    result = await run_in_app(engine, "local/rembg", inputs, tmp_path / "app")
    assert result.files[0].stat().st_size > 1024 * 1024
    assert str(result.prediction.output).startswith("http://")  # not inline, not https

    code = snippets(run_call("local/rembg", inputs, base_url=engine.url, output="file",
                             output_suffix=".png"))[language]
    work = tmp_path / "dev"
    work.mkdir()
    shutil.copyfile(upload, work / "noise.png")
    run_snippet(code, language, work)
    assert (work / "output.png").read_bytes() == result.files[0].read_bytes()
