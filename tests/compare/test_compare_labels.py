"""The Compare tab's status text: pills, never emoji (Debian's Chromium fonts draw those as
empty boxes), for every state a pane or the status line can be in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from playground.compare.forms import build_session
from playground.compare.session import Run
from playground.ui.compare import tab as compare
from playground.ui.compare import view as compare_view

SOURCES = [Path(compare.__file__), Path(compare_view.__file__)]
# Emoji and symbol blocks Debian's default fonts lack (⏳ ⏹ ⚠️ ✓ ✗ ■ and friends).
NO_GLYPH = re.compile("[\u2300-\u23ff\u2600-\u27bf\u25a0-\u25ff\ufe0f\U0001f000-\U0001faff]")


def test_the_tab_source_has_no_emoji() -> None:
    for source in SOURCES:
        found = NO_GLYPH.findall(source.read_text(encoding="utf-8"))
        assert not found, f"emoji in {source.name}: {found}"


@pytest.mark.parametrize(("status", "kind", "shown"), [
    ("queued", "run", "queued"), ("starting", "run", "starting"),
    ("processing", "run", "processing"), ("succeeded", "ok", "succeeded"),
    ("failed", "err", "failed"), ("canceled", "stop", "stopped")])
def test_pane_heads_use_pills(status: str, kind: str, shown: str) -> None:
    session = build_session("chat", ["local/smollm2-135m-instruct"] * 2, ["", ""],
                            prompt="hi", seed=1)
    run = Run(round=1, entry=0, status=status, metrics={"predict_time": 1.5},
              error="it broke" if status == "failed" else None)
    head = compare_view.pane_head(session, run, 0)
    assert f"<span class='pill {kind}'>{shown}</span>" in head
    assert not NO_GLYPH.search(head)
    if status == "failed":
        assert "<span class='pill err'>Error</span> it broke" in head


@pytest.mark.parametrize("error", [
    # the engine's words for a model it lists but cannot run (the walk's local/sd-turbo)
    "local/sd-turbo is unavailable: text-to-image is not available locally: no PyPI package "
    "carries diffusion weights (e.g. stabilityai/sd-turbo), and this machine cannot reach the "
    "model hub. To make images, use a Replicate model such as stability-ai/sdxl with a "
    "REPLICATE_API_TOKEN.",
    "Traceback: see https://example.invalid/log for pip install foo"])
def test_a_pane_never_points_to_details_it_lacks(error: str) -> None:
    """The tabs keep a failure's technical side under a run's Details; a Compare pane has none,
    so it says that side itself instead of pointing to it."""
    from playground.results import RunResult
    from playground.ui.kit import messages

    failed = RunResult(prediction_id="p1", model="local/sd-turbo", version=None, input={},
                       status="failed", error=error)
    said = messages.for_result(failed, local=True)
    assert "Details" in said.text and said.detail  # what a tab says: its Details hold the rest
    shown = compare_view.in_pane(said)
    assert "Details" not in shown, shown
    assert said.title in shown and said.detail in shown, shown
