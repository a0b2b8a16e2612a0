"""Upscale offline: the picture the person gave, at full size (a quick preview only when they
choose it), reduced only past the engine's hard limit and then said with the sizes; the status
line gives the time left on a long run."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from PIL import Image
from skimage import data

from playground.ui.kit.status_text import status_line
from playground.ui.tabs.upscale_size import FULL, PREVIEW, SizePlan, Speed

from .helpers import call

pytestmark = pytest.mark.models


def _photo(folder: Path, size: tuple[int, int]) -> Path:
    path = folder / f"photo-{size[0]}x{size[1]}.png"
    Image.fromarray(data.astronaut()).resize(size, Image.Resampling.LANCZOS).save(path)
    return path


def _after(out: object) -> tuple[Path, Path]:
    slider = out.final[0]  # type: ignore[attr-defined]
    return Path(slider[0]), Path(slider[1])


def test_a_big_photo_is_offered_at_full_size_with_the_time_in_words() -> None:
    plan = SizePlan((4000, 3000), 2, 4096, Speed())  # before any run: 20 s per MP
    full, preview = plan.choices()
    assert full == ("Full size: 8000×6000, about 4 min", FULL)
    assert preview == ("Quick preview: reduced to 512×384 first, 1024×768, about 10 s", PREVIEW)
    assert plan.has_choice and not plan.over_limit
    assert "Your picture is 4000×3000." in plan.info()
    assert "quick preview" in plan.why_reduced(PREVIEW)


def test_past_the_hard_limit_the_choice_and_the_reason_name_the_sizes() -> None:
    plan = SizePlan((6000, 4000), 2, 4096, Speed())
    assert plan.over_limit and plan.full == (4096, 2731)
    assert plan.choices()[0][0].startswith("Largest this computer takes (4096×2731): 8192×5462")
    assert "up to 4096 px on a side, so it will be reduced to 4096×2731 first" in plan.info()
    assert plan.why_reduced(FULL) == "this computer upscales pictures up to 4096 px on a side"
    # A picture no larger than a preview has nothing to choose.
    assert not SizePlan((400, 300), 4, 4096).has_choice


def test_a_preview_is_offered_only_when_it_is_much_quicker() -> None:
    plan = SizePlan((600, 400), 2, 4096, Speed())  # 512 px would save a sixth: no choice
    assert not plan.has_choice and not plan.over_limit
    assert "quick preview" not in plan.info()
    assert "The time depends on the picture's size, not on the scale." in plan.info()
    assert SizePlan((1200, 800), 2, 4096, Speed()).has_choice


def test_a_result_past_the_engines_largest_is_reduced_first_and_said() -> None:
    from playground.engine.models._esrgan import MAX_OUTPUT_PIXELS
    from playground.ui.tabs.upscale_size import MAX_RESULT_PIXELS

    assert MAX_RESULT_PIXELS == MAX_OUTPUT_PIXELS  # the tab's plan is the engine's rule
    plan = SizePlan((4000, 3000), 4, 4096, Speed())  # 16000×12000 would be refused
    w, h = plan.full
    assert plan.over_limit and (w, h) == (2364, 1773)
    assert w * h * 16 <= MAX_OUTPUT_PIXELS
    assert "makes results up to 67 megapixels" in plan.info()
    assert "so it will be reduced to 2364×1773 first" in plan.info()
    assert plan.why_reduced(FULL).startswith("this computer makes results up to 67 megapixels")
    assert plan.choices()[0][0].startswith("Largest this computer takes (2364×1773): 9456×7092")


def test_the_estimate_learns_this_computers_speed() -> None:
    speed = Speed()
    speed.observe((1600, 1200), 72.5)  # measured on a busy machine: 38 s per MP
    assert SizePlan((4000, 3000), 2, 4096, speed).choices()[0][0].endswith("about 6 min")
    speed.observe((16, 16), 50)  # too small to tell: ignored
    assert 28 < speed.per_megapixel < 30


def test_a_long_run_says_how_long_it_has_to_go() -> None:
    assert "Processing 25%, about 2 min left" in status_line("processing", 40, 0.25)
    assert "left" not in status_line("processing", 3, 0.5)  # too early to tell
    assert "Processing 50%, about 20 s left" in status_line("processing", 20, 0.5)


def test_full_size_keeps_every_pixel_and_a_preview_says_it_reduced(
        client: Client, tmp_path: Path) -> None:
    photo = _photo(tmp_path, (640, 400))  # larger than the old 512 px limit
    full = call(client, "/upscale", handle_file(photo), 2, False, "real-esrgan-4x", FULL)
    assert full.error is None, full.error
    before, after = _after(full)
    assert Image.open(after).size == Image.open(before).size == (1280, 800)
    status = full.final[2]
    assert "Done" in status and "1280×800" in status and "reduced" not in status
    assert any("Processing" in p[2] for p in full.partials if isinstance(p[2], str))

    preview = call(client, "/upscale", handle_file(photo), 2, False, "real-esrgan-4x", PREVIEW)
    assert preview.error is None, preview.error
    before, after = _after(preview)
    # Same framing: the "before" is the person's picture at the result's size.
    assert Image.open(after).size == Image.open(before).size == (1024, 640)
    status = preview.final[2]
    assert ("Your 640×400 picture was reduced to 512×320 first, because you chose a quick "
            "preview") in status
    assert "less detail than your picture could give" in status


def test_past_the_hard_limit_the_status_says_so_with_the_sizes(
        client: Client, tmp_path: Path) -> None:
    strip = _photo(tmp_path, (4200, 100))  # wider than the engine's 4096 px, small in area
    out = call(client, "/upscale", handle_file(strip), 2, False, "real-esrgan-4x", FULL)
    assert out.error is None, out.error
    before, after = _after(out)
    assert Image.open(after).size == Image.open(before).size == (8192, 196)
    assert ("Your 4200×100 picture was reduced to 4096×98 first, because this computer "
            "upscales pictures up to 4096 px on a side") in out.final[2]
