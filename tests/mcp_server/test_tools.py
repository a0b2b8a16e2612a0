"""The MCP tools on the real engine through the official `mcp` client: exactly the tools the
page offers agents, each task with a real output, any model with its schema's checks, and no
path on the server ever read."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import httpx
import pytest
from PIL import Image
from ui.conftest import RunningApp

from .conftest import MCP_PATH, call, data_uri, reply, session

pytestmark = pytest.mark.models

TOOLS = {"generate_image", "chat", "transcribe", "upscale", "remove_background",
         "restore_faces", "search_models", "describe_model", "run_model", "compare"}


async def test_exactly_the_tools_each_described_for_an_agent(mcp_app: RunningApp) -> None:
    async with session(mcp_app.url) as opened:
        tools = (await opened.list_tools()).tools
    assert {t.name for t in tools} == TOOLS  # none of the page's own events (/upscale, …)
    for tool in tools:
        props = tool.inputSchema["properties"]
        assert props and "request" not in props, tool.name
        for name, spec in props.items():
            assert spec.get("description"), f"{tool.name}: {name} has no description"
        assert "JSON" in (tool.description or ""), tool.name
    listed = httpx.get(mcp_app.url + MCP_PATH + "schema", timeout=30).json()
    assert {t["name"] for t in listed} == TOOLS
    # a page event is not callable as a tool either
    error, text = await call(mcp_app.url, "upscale_1", {})
    assert error and "Traceback" not in text


async def test_transcribe_a_real_recording(mcp_app: RunningApp, media: dict[str, Path]) -> None:
    answer = await reply(mcp_app.url, "transcribe",
                         {"audio": data_uri(media["speech"], "audio/wav")})
    assert answer["status"] == "succeeded" and answer["model"] == "local/whisper-tiny-en"
    assert "paris" in answer["text"].lower()  # espeak-ng said "The capital of France is Paris."
    assert answer["total_seconds"] > 0


async def test_upscale_returns_a_url_of_the_larger_picture(mcp_app: RunningApp,
                                                           media: dict[str, Path]) -> None:
    answer = await reply(mcp_app.url, "upscale",
                         {"image": data_uri(media["small"], "image/png"), "scale": 2})
    assert answer["model"] == "local/real-esrgan"
    (file,) = answer["files"]
    got = httpx.get(file["url"], timeout=30)
    assert got.status_code == 200
    with Image.open(io.BytesIO(got.content)) as img:
        assert img.size == (192, 192)  # the 96 px picture, twice as wide and tall
    assert (file["content_type"], file["bytes"]) == ("image/png", len(got.content))
    assert (file["width"], file["height"]) == (192, 192)
    # that output given back to a tool is this app's own file, not a URL fetched again
    again = await reply(mcp_app.url, "remove_background", {"image": file["url"]})
    assert again["files"][0]["content_type"] == "image/png"


async def test_restore_faces(mcp_app: RunningApp, media: dict[str, Path]) -> None:
    answer = await reply(mcp_app.url, "restore_faces",
                         {"image": data_uri(media["portrait"], "image/png")})
    assert answer["model"] == "local/face-enhance"
    (file,) = answer["files"]
    assert (file["width"], file["height"]) == (1024, 1024)  # the preset's 2x of 512 px
    with Image.open(io.BytesIO(httpx.get(file["url"], timeout=30).content)) as img:
        assert img.size == (1024, 1024)


async def test_generate_image_offline_says_why_not(mcp_app: RunningApp) -> None:
    # SD-Turbo's weights are on no registry (`playground models list`): a plain refusal
    error, text = await call(mcp_app.url, "generate_image", {"prompt": "a red fox"})
    assert error and "not available" in text and "Traceback" not in text, text
    assert "playground models" in text or "Replicate" in text, text  # the fix, said here


async def test_chat_answers(mcp_app: RunningApp) -> None:
    answer = await reply(mcp_app.url, "chat", {"message": "Say hello in one short sentence."})
    assert answer["model"] == "local/smollm2-135m-instruct"
    assert answer["text"].strip()


async def test_run_model_with_a_bad_input_says_so_plainly(mcp_app: RunningApp,
                                                          media: dict[str, Path]) -> None:
    error, text = await call(mcp_app.url, "run_model", {
        "model": "local/real-esrgan",
        "input": {"image": data_uri(media["small"], "image/png"), "scale": "twice"}})
    assert error and "Scale" in text and "not a number" in text, text
    assert "Traceback" not in text and "File \"" not in text
    error, text = await call(mcp_app.url, "run_model", {"model": "local/real-esrgan",
                                                        "input": {"colour": "red"}})
    assert error and "colour" in text and "Traceback" not in text
    error, text = await call(mcp_app.url, "run_model", {"model": "nobody/nothing",
                                                        "input": {}})
    assert error and "nobody/nothing" in text and "Traceback" not in text


async def test_describe_and_run_a_model(mcp_app: RunningApp, media: dict[str, Path]) -> None:
    described = await reply(mcp_app.url, "describe_model", {"model": "local/real-esrgan"})
    inputs = {i["name"]: i for i in described["inputs"]}
    assert "file" in inputs["image"] and inputs["scale"]["range"]
    ran = await reply(mcp_app.url, "run_model", {
        "model": "local/real-esrgan",
        "input": {"image": data_uri(media["small"], "image/png"), "scale": 1.5}})
    assert (ran["files"][0]["width"], ran["files"][0]["height"]) == (144, 144)


async def test_search_models(mcp_app: RunningApp) -> None:
    found = await reply(mcp_app.url, "search_models", {"query": "whisper"})
    assert "local/whisper-tiny-en" in [m["model"] for m in found["models"]]


async def test_compare_two_local_models(mcp_app: RunningApp, media: dict[str, Path]) -> None:
    answer = await reply(mcp_app.url, "compare", {
        "models": ["local/real-esrgan", "local/rembg"],
        "input": {"image": data_uri(media["small"], "image/png"), "scale": 2}})
    first, second = answer["results"]
    assert first["model"] == "local/real-esrgan" and second["model"] == "local/rembg"
    assert (first["files"][0]["width"], second["files"][0]["width"]) == (192, 96)
    assert second["left_out"] == ["scale"]  # rembg takes no scale
    assert first["predict_seconds"] >= 0 and second["predict_seconds"] >= 0
    error, text = await call(mcp_app.url, "compare", {"models": ["local/rembg"], "input": {}})
    assert error and "2 to 4" in text


async def test_hostile_values_are_refused_plainly(mcp_app: RunningApp,
                                                  media: dict[str, Path]) -> None:
    # past the upload limit (3 MB here) and within the MCP transport's 4 MiB request: refused
    # before anything is sent
    big = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(3_000_100)).decode("ascii")
    error, text = await call(mcp_app.url, "upscale", {"image": f"data:image/png;base64,{big}"})
    assert error and "too large" in text, text
    error, text = await call(mcp_app.url, "chat", {"message": "hi\x00there"})
    assert error and "NUL" in text, text
    error, text = await call(mcp_app.url, "upscale", {"image": "data:image/png;base64,"})
    assert error and "empty" in text, text
    error, text = await call(mcp_app.url, "upscale",
                             {"image": data_uri(media["small"], "image/png"), "scale": 11})
    assert error and "1 to 10" in text, text
    error, text = await call(mcp_app.url, "run_model", {
        "model": "local/real-esrgan",
        "input": {"image": data_uri(media["small"], "image/png"), "scale": 1e308}})
    assert error and "Scale" in text and "Traceback" not in text, text


@pytest.mark.parametrize("value", ["/etc/passwd", "file:///etc/passwd", "../../etc/passwd",
                                   "~/.ssh/id_rsa", "C:\\Windows\\win.ini"])
async def test_a_path_on_the_server_is_refused(mcp_app: RunningApp, value: str) -> None:
    error, text = await call(mcp_app.url, "upscale", {"image": value})
    assert error and "never read" in text and "Traceback" not in text, text
    error, text = await call(mcp_app.url, "run_model", {"model": "local/rembg",
                                                        "input": {"image": value}})
    assert error and "never read" in text, text
