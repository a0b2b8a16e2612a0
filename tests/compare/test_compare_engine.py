"""End to end on the embedded engine with the real local models: a comparison, a grid, and the
export -> replay round trip."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from playground.compare import (
    Axis,
    CompareSession,
    Entry,
    Runner,
    export_html,
    export_json,
    load_json,
    missing_files,
    run_grid,
)
from playground.compare.forms import build_session
from playground.compare.session import resolve_name

pytestmark = [pytest.mark.models, pytest.mark.timeout(600)]


async def run(runner: Runner, session: CompareSession, **kwargs: object) -> list:
    return [u async for u in runner.run_round(session, **kwargs)]


def image_of(run, base: Path) -> Image.Image:
    assert run.files, run.error
    return Image.open(resolve_name(run.files[0], base))


async def test_three_local_runs_side_by_side(runner: Runner, portrait: Path,
                                             isolated_env: Path) -> None:
    """MODNet against U2-Net-p against an upscale, one of them broken on purpose."""
    session = build_session(
        "image-to-image",
        ["local/rembg", "local/rembg", "local/real-esrgan", "local/rembg"],
        ['{"model": "modnet"}', '{"model": "u2netp"}', '{"scale": 2}', '{"model": "nope"}'],
        seed=42, file_path=str(portrait), base=isolated_env)
    updates = await run(runner, session)
    modnet, u2netp, upscale, broken = session.round_runs()
    for good in (modnet, u2netp, upscale):
        assert good.status == "succeeded", good.error
        assert good.metrics["predict_time"] > 0 and good.cost_usd is not None
        assert good.hardware == "cpu" and good.version and good.prediction_id
        assert "seed" not in good.input  # the shared seed is only sent to models that take one
    assert broken.status == "failed" and "model" in (broken.error or "")
    cut_a, cut_b = image_of(modnet, isolated_env), image_of(u2netp, isolated_env)
    assert cut_a.mode == "RGBA" and cut_b.mode == "RGBA" and cut_a.size == (256, 256)
    assert cut_a.tobytes() != cut_b.tobytes()  # two different mattes
    assert image_of(upscale, isolated_env).size == (512, 512)
    assert {u.entry for u in updates if u.run.status in {"starting", "processing"}} >= {0, 1, 2}
    session.vote(1, 0, "better")
    session.vote(1, 1, "worse")
    summary = session.summary()
    assert summary[0].wins == 1 and summary[1].losses == 1
    assert summary[2].mean_predict_time and summary[2].mean_cost_usd


async def test_upscale_at_two_scales(runner: Runner, tiny_image: Path, isolated_env: Path) -> None:
    session = build_session("image-to-image", ["local/real-esrgan", "local/real-esrgan"],
                            ['{"scale": 2}', '{"scale": 4}'], seed=None,
                            file_path=str(tiny_image), base=isolated_env)
    await run(runner, session)
    two, four = session.round_runs()
    assert image_of(two, isolated_env).size == (96, 96)
    assert image_of(four, isolated_env).size == (192, 192)


async def test_chat_temperature_0_against_0_9(runner: Runner, isolated_env: Path) -> None:
    session = CompareSession(
        task="chat", seed=7,
        inputs={"prompt": "What is the capital of France?", "max_tokens": 24},
        entries=[Entry(ref="local/smollm2-135m-instruct", overrides={"temperature": 0}),
                 Entry(ref="local/smollm2-135m-instruct", overrides={"temperature": 0.9})])
    updates = await run(runner, session)
    cold, warm = session.round_runs()
    assert cold.status == warm.status == "succeeded", (cold.error, warm.error)
    assert "Paris" in (cold.text or "") and warm.text
    assert cold.input["temperature"] == 0 and warm.input["temperature"] == 0.9
    assert cold.input["seed"] == 7  # the chat model takes a seed, so it gets the pinned one
    streamed = [u for u in updates if u.run.status == "processing" and u.run.text]
    assert {u.entry for u in streamed} == {0, 1}  # both panes streamed text as it came
    assert cold.metrics.get("predict_time") is not None
    # temperature 0 repeats itself exactly
    await run(runner, session)
    assert session.round_runs(2)[0].text == cold.text


async def test_export_then_replay(runner: Runner, portrait: Path, isolated_env: Path,
                                  tmp_path: Path) -> None:
    session = build_session("image-to-image", ["local/rembg", "local/rembg"],
                            ['{"model": "modnet"}', '{"model": "u2netp"}'], seed=3,
                            file_path=str(portrait), base=isolated_env)
    await run(runner, session)
    session.vote(1, 1, "better")
    json_path = export_json(session, tmp_path / "share" / "s.json")
    html = export_html(session, tmp_path / "share" / "s.html").read_text()
    assert html.count("data:image/png;base64,") == 3  # the input and both outputs

    loaded = load_json(json_path)
    assert loaded == session and missing_files(loaded) == []
    first = loaded.round_runs()
    hashes = [hashlib.sha256(resolve_name(r.files[0]).read_bytes()).hexdigest() for r in first]
    await run(runner, loaded, pinned=True)
    again = loaded.round_runs(2)
    assert [r.version for r in again] == [r.version for r in first]
    assert [r.input for r in again] == [r.input for r in first]
    # the matting models are deterministic: the same inputs give the same files
    assert [hashlib.sha256(resolve_name(r.files[0]).read_bytes()).hexdigest()
            for r in again] == hashes
    assert loaded.summary()[1].wins == 1 and loaded.summary()[1].runs == 2


async def test_one_grid(runner: Runner, portrait: Path, isolated_env: Path) -> None:
    record = await run_grid(runner, "local/rembg", {"image": portrait},
                            Axis("model", ["modnet", "u2netp"]),
                            Axis("ref", ["local/rembg", "local/no-such-model"]))
    assert [r.status for r in record.runs] == ["succeeded", "succeeded", "failed", "failed"]
    grid = Image.open(resolve_name(record.image))
    assert grid.width > 2 * 256 and grid.height > 2 * 256
    assert record.image.startswith("outputs/compare/grid-")
