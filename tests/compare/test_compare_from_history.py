"""A run from the history as a Compare entry: which comparison, what every entry shares, what
the entry keeps as its own settings, and plain refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.compare.forms import build_session
from playground.compare.from_history import NoComparison, entry_from_run

VERSION = "a" * 64


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "in.png"
    path.write_bytes(b"\x89PNG fake but a file")
    return path


def test_an_upscale_is_an_image_to_image_entry_on_its_version(png: Path, tmp_path: Path) -> None:
    run = entry_from_run("upscale", "local/real-esrgan", VERSION,
                         {"image": png, "scale": 3, "face_enhance": False})
    assert run.task == "image-to-image" and run.ref == f"local/real-esrgan:{VERSION}"
    assert run.file == png and run.overrides == {"scale": 3, "face_enhance": False}
    assert run.prompt is None and run.seed is None and run.left_out == ()
    # what the Compare form makes of it: a session that runs it as it ran
    session = build_session(run.task, [run.ref, "local/rembg"], ["", ""],
                            file_path=str(run.file), base=tmp_path,
                            form_overrides=[run.overrides, {}])
    assert session.entries[0].ref == run.ref and session.entries[0].overrides == run.overrides


def test_a_model_that_names_its_image_otherwise_still_shares_it(png: Path) -> None:
    run = entry_from_run("faces", "tencentarc/gfpgan", VERSION, {"img": png, "scale": 2})
    assert run.file == png and run.overrides == {"scale": 2}


def test_image_and_chat_runs_share_their_prompt_and_seed() -> None:
    image = entry_from_run("image", "local/sd-turbo", None,
                           {"prompt": "a fox", "seed": 7, "num_inference_steps": 1})
    assert (image.task, image.prompt, image.seed) == ("image", "a fox", 7)
    assert image.overrides == {"num_inference_steps": 1} and image.ref == "local/sd-turbo"
    chat = entry_from_run("chat", "local/smollm2-135m-instruct", VERSION,
                          {"prompt": "Hi", "temperature": 0, "max_tokens": 16})
    assert chat.task == "chat" and chat.prompt == "Hi" and chat.seed is None
    assert chat.overrides == {"temperature": 0, "max_tokens": 16}


def test_a_models_tab_run_is_placed_by_its_inputs(png: Path, tmp_path: Path) -> None:
    wav = tmp_path / "speech.wav"
    wav.write_bytes(b"RIFF")
    assert entry_from_run("model", "o/whisper", None, {"audio": wav}).task == "transcription"
    assert entry_from_run("model", "o/any", None, {"input_image": png}).task == "image-to-image"
    assert entry_from_run("model", "o/llm", None, {"prompt": "Hi"},
                          text_output=True).task == "chat"
    assert entry_from_run("model", "o/sd", None, {"prompt": "a fox"}).task == "image"


def test_files_and_secrets_beyond_the_shared_ones_are_left_out(png: Path, tmp_path: Path) -> None:
    mask = tmp_path / "mask.png"
    mask.write_bytes(b"mask")
    run = entry_from_run("model", "o/inpaint", None,
                         {"image": png, "mask": mask, "api_key": {"$secret": "not stored"},
                          "strength": 0.5})
    assert run.file == png and run.overrides == {"strength": 0.5}
    assert set(run.left_out) == {"mask", "api_key"}


@pytest.mark.parametrize(("task", "inputs", "words"), [
    ("model", {"n": 3}, "no prompt, image or recording"),
    ("upscale", {"image": Path("/nowhere/gone.png"), "scale": 2}, "not in the history any more"),
    ("chat", {"temperature": 0}, "no prompt"),
])
def test_runs_that_fit_no_comparison_are_refused_plainly(task: str, inputs: dict[str, object],
                                                         words: str) -> None:
    with pytest.raises(NoComparison, match=words):
        entry_from_run(task, "owner/model", None, inputs)


def test_a_model_ref_compare_cannot_run_is_refused(png: Path) -> None:
    with pytest.raises(NoComparison, match="not a model Compare can run"):
        entry_from_run("upscale", "no-owner", None, {"image": png})
