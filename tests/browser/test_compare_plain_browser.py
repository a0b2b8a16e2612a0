"""Compare as a non-developer at a live demo meets it (issue 10 point 4, issue 11 point 5): one
plain message for a mistake and no error badges, findings worded against what they compare,
an X-only grid, each entry's own uploads and passwords (never kept), values typed just before
Run used, no developer words on the tab or in its report, and axe clean before and after.

The page is the Compare tab alone on the embedded engine, with one extra small model that has
an extra file input and a secret input (the local models have neither).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageOps
from playwright.sync_api import expect
from pydantic import BaseModel, Field

from playground.engine.models.base import EngineModel, PredictContext

from .conftest import SCREENSHOTS, axe_report, axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.models, pytest.mark.timeout(900)]

KEY = "open-sesame-4242"  # the secret the keyed model wants
DONE = 240_000


class Keyed(EngineModel):
    """An image model with its own extra upload (a mask) and an `x-cog-secret` key."""

    owner = "test"
    name = "keyed"
    description = "Returns the mask inverted, if the key is right."
    output_schema = {"type": "string", "format": "uri"}

    class Input(BaseModel):
        image: Path = Field(description="Image")
        mask: Path | None = Field(None, description="Mask picture")
        api_key: str = Field("", description="Key", json_schema_extra={"x-cog-secret": True})

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Path:
        assert isinstance(inputs, Keyed.Input)
        if inputs.api_key != KEY:
            raise ValueError("wrong or missing key")
        if inputs.mask is None:
            raise ValueError("no mask was sent")
        path = ctx.workdir / "mask-inverted.png"
        ImageOps.invert(Image.open(inputs.mask).convert("RGB")).save(path)
        return path


@pytest.fixture(scope="module")
def compare_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    from playground.engine.models import registry
    from playground.engine.server import EngineThread
    from playground.history import RunStore
    from playground.service import RunHistory, Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    data = tmp_path_factory.mktemp("compare-plain")
    models = [m for m in registry() if m.availability() is None] + [Keyed()]
    with pytest.MonkeyPatch.context() as mp, EngineThread(models, data / "engine") as engine:
        mp.setenv("PLAYGROUND_DATA_DIR", str(data / "app"))
        ctx = make_context(Service(base_url=engine.url, data_dir=data / "app", backend="local",
                                   history=RunHistory(RunStore(data / "app"))),
                           browser_secret="compare-plain-secret-0123")
        demo = build_app(ctx, tabs=["compare"])
        _, url, _ = serve(demo, ctx, block=False)
        try:
            yield url, data
        finally:
            demo.close()


@pytest.fixture
def tab(browser: Any, compare_app: tuple[str, Path]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(compare_app[0])
    expect(page.locator("#compare-entry-0 input")).to_have_value("local/rembg")
    yield page
    context.close()


def _upload(page: Any, elem_id: str, path: Path) -> None:
    page.locator(f"#{elem_id} input[type=file]").set_input_files(str(path))
    expect(page.locator(f"#{elem_id} img")).to_be_visible(timeout=30_000)


def _no_badges(page: Any) -> None:
    """No pane shows Gradio's red error badge (or any 'Error')."""
    for i in range(4):
        expect(page.locator(f"#compare-pane-{i}")).not_to_contain_text("Error")
    expect(page.locator("#compare-summary")).not_to_contain_text("Error")
    assert page.locator(".toast-body").count() == 0  # and no error pop-up


def test_a_mistake_is_one_plain_message_naming_the_entry(tab: Any,
                                                         files: dict[str, Path]) -> None:
    # Save before any run: one line in the status, no badge on the two file slots.
    tab.locator("#compare-export-box").get_by_text("Save and load").click()
    tab.locator("#compare-export").click()
    expect(tab.locator("#compare-status")).to_contain_text("Nothing to save yet")
    for slot in ("#compare-json", "#compare-html"):
        expect(tab.locator(slot)).not_to_contain_text("Error")
    _no_badges(tab)
    _upload(tab, "compare-image", files["small"])
    tab.locator("#compare-entry-1-form-box").click()
    # the starter's setting has moved into the entry's form (the page has read the models)
    expect(tab.locator("#compare-e1-in-model input")).to_have_value("u2netp", timeout=60_000)
    tab.locator("#compare-entry-1-advanced").click()
    box = tab.locator("#compare-overrides-1 textarea")
    # the box is empty (its setting moved into the form) once its just-opened textbox has its
    # value: text typed before that would be overwritten by it
    expect(box).to_have_value("")
    box.fill('{"model": "u2netp"')
    expect(box).to_have_value('{"model": "u2netp"')
    tab.locator("#compare-run").click()
    status = tab.locator("#compare-status")
    expect(status).to_contain_text("Not run")
    expect(status).to_contain_text("Entry 2's Advanced box has a typo")
    expect(status).not_to_contain_text("JSON")
    _no_badges(tab)
    screenshot(tab, "compare-typo")
    # a value out of range, typed into an entry's form: the entry and the field are named
    tab.locator("#compare-overrides-1 textarea").fill("")
    tab.locator("#compare-entry-2-form-box").click()
    scale = tab.locator("#compare-e2-in-scale input[type=number]")
    scale.fill("11")
    tab.locator("#compare-run").click()
    # the engine's scale is more than 0 (a picture 0 times its size is no picture)
    expect(status).to_contain_text(
        re.compile(r"Entry 3: Scale: must be (between|more than) \S+ and (at most )?\S+"))
    _no_badges(tab)


def test_findings_and_votes_are_worded_against_the_others(tab: Any,
                                                          files: dict[str, Path]) -> None:
    _upload(tab, "compare-image", files["small"])
    tab.locator("#compare-run").click()
    expect(tab.locator("#compare-status")).to_contain_text("Round 1: 3 of 3 succeeded.",
                                                           timeout=DONE)
    summary = tab.locator("#compare-summary")
    expect(summary).to_contain_text(re.compile(r"is [\d.]+x faster than|took about as long"))
    expect(summary).to_contain_text(re.compile(r"gave the same output|gave a different output"))
    tab.locator("#compare-pane-2-vote").get_by_label("Better than the others").check()
    expect(summary).to_contain_text(
        "You voted local/real-esrgan (scale=2) better than local/rembg (model=modnet) and "
        "local/rembg (model=u2netp).")
    tab.locator("#compare-pane-0-vote").get_by_label("About the same").check()
    expect(summary).to_contain_text("You voted local/rembg (model=modnet) as good as")
    for i in range(3):  # free, on this computer: no dollars
        expect(tab.locator(f"#compare-pane-{i}-head")).to_contain_text("free, on this computer")
    screenshot(tab, "compare-findings")


def test_the_grid_varies_one_setting_alone(tab: Any, files: dict[str, Path]) -> None:
    _upload(tab, "compare-image", files["small"])
    tab.locator("#compare-grid-box").get_by_role("button", name="X/Y grid").click()
    # no Y setting: said in words (its value is empty)
    expect(tab.locator("#compare-grid-y input")).to_have_value("Nothing: vary X alone")
    expect(tab.locator("#compare-grid-xv textarea")).to_have_value("modnet, u2netp")
    tab.locator("#compare-grid-run").click()
    expect(tab.locator("#compare-status")).to_contain_text("Grid: 2 of 2 pictures made.",
                                                           timeout=DONE)
    expect(tab.locator("#compare-grid-image img")).to_be_visible()
    grid = tab.locator("#compare-grid-image img").evaluate("i => [i.naturalWidth, "
                                                            "i.naturalHeight]")
    assert grid[0] > grid[1] * 1.5, grid  # one row of two pictures, not a table
    screenshot(tab, "compare-grid-x-only")


def test_an_entry_has_its_own_upload_and_password(tab: Any, files: dict[str, Path],
                                                  compare_app: tuple[str, Path]) -> None:
    _upload(tab, "compare-image", files["small"])
    ref = tab.locator("#compare-entry-2 input")
    ref.fill("test/keyed")
    ref.press("Enter")
    tab.locator("#compare-entry-2-form-box").click()
    _upload(tab, "compare-e2-in-mask", files["portrait"])
    secret = tab.locator("#compare-e2-in-api_key input")
    expect(secret).to_have_attribute("type", "password")
    secret.fill(KEY)
    tab.locator("#compare-run").click()  # at once: the values travel with the click
    expect(tab.locator("#compare-status")).to_contain_text("Round 1: 3 of 3 succeeded.",
                                                           timeout=DONE)
    expect(tab.locator("#compare-pane-2-head")).to_contain_text("test/keyed")
    expect(tab.locator("#compare-pane-2-image img")).to_be_visible()
    screenshot(tab, "compare-entry-secret")
    # saved: the comparison file and the report name the mask, never the key
    tab.locator("#compare-export-box").get_by_role("button", name="Save and load").click()
    tab.locator("#compare-export").click()
    expect(tab.locator("#compare-json a")).to_be_visible(timeout=30_000)
    data = compare_app[1]
    exports = list((data / "app" / "compare" / "exports").glob("*"))
    assert exports and all(KEY not in p.read_text() for p in exports)
    assert any('"mask": "compare/inputs/' in p.read_text() for p in exports
               if p.suffix == ".json")
    # ...and the history (database and saved files) never holds it either
    for path in (data / "app").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".db", ".sqlite", ".txt", ".log", ""):
            assert KEY.encode() not in path.read_bytes(), path
    for db in (data / "app").rglob("*.db"):
        with sqlite3.connect(db) as con:
            dump = "\n".join(con.iterdump())
        assert KEY not in dump, db


def test_no_developer_words_on_the_tab_or_in_its_report(tab: Any,
                                                        files: dict[str, Path]) -> None:
    words = re.compile(r"JSON|owner/name|\$\d|predict|overrides?\b|pinned|parameter|HTML")

    def first_lines() -> str:  # labels, hints, buttons, headings as shown (accordions closed)
        return tab.locator("#compare-tab").inner_text()

    assert not words.findall(first_lines()), words.findall(first_lines())
    _upload(tab, "compare-image", files["small"])
    tab.locator("#compare-run").click()
    expect(tab.locator("#compare-status")).to_contain_text("succeeded", timeout=DONE)
    assert not words.findall(first_lines()), words.findall(first_lines())
    tab.locator("#compare-export-box").get_by_role("button", name="Save and load").click()
    tab.locator("#compare-export").click()
    link = tab.locator("#compare-html a")
    expect(link).to_be_visible(timeout=30_000)
    with tab.expect_download() as download:
        link.click()
    report = Path(download.value.path()).read_text()
    text = re.sub(r"<[^>]+>|data:[^\"]+", " ", report)
    assert "free, on this computer" in text
    assert not re.findall(r"JSON|\$\d|predict|overrides", text)


def test_axe_finds_nothing_serious_before_and_after_a_run(tab: Any,
                                                          files: dict[str, Path]) -> None:
    before = axe_violations(tab)
    _upload(tab, "compare-image", files["small"])
    tab.locator("#compare-entry-2-form-box").click()
    tab.locator("#compare-run").click()
    expect(tab.locator("#compare-status")).to_contain_text("succeeded", timeout=DONE)
    tab.locator("#compare-pane-0-vote").get_by_label("Better than the others").check()
    tab.mouse.move(0, 0)  # the pointer off the vote: judged at rest, not mid-transition
    tab.wait_for_timeout(1000)
    after = axe_violations(tab)
    assert not before and not after, (f"before:\n{axe_report(before)}\n\n"
                                      f"after:\n{axe_report(after)}")


# --- issue 20 item 12: a newcomer's walk through Compare -------------------------------------

CHAT = "local/smollm2-135m-instruct"
STORY = "Write a very long story about a lighthouse keeper, with many chapters and details."


def _open(browser: Any, url: str, width: int, height: int, phone: bool = False) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=2 if phone else 1, has_touch=phone,
                                  is_mobile=phone)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    expect(page.locator("#compare-entry-0 input")).to_have_value("local/rembg")
    return page


def test_two_entries_of_one_model_are_named_apart(tab: Any) -> None:
    """The starters are two rembg entries: their headers and their panes say which is which
    before any run (the difference is not left to closed accordions)."""
    for i, setting in ((0, "model=modnet"), (1, "model=u2netp"), (2, "scale=2")):
        expect(tab.locator(f"#compare-entry-{i}")).to_contain_text(f"Entry {i + 1} · ")
        expect(tab.locator(f"#compare-entry-{i}")).to_contain_text(setting)
        expect(tab.locator(f"#compare-pane-{i}-head")).to_contain_text(setting)
        expect(tab.locator(f"#compare-pane-{i}-head")).to_contain_text("not run yet")
    expect(tab.locator("#compare-pane-3-head")).to_contain_text("Pane 4 · empty")
    # a setting changed in the entry's form renames the entry and its pane
    tab.locator("#compare-entry-2-form-box").click()
    scale = tab.locator("#compare-e2-in-scale input[type=number]")
    scale.fill("3")
    scale.press("Tab")
    expect(tab.locator("#compare-entry-2")).to_contain_text("scale=3")
    expect(tab.locator("#compare-pane-2-head")).to_contain_text("scale=3")
    screenshot(tab, "compare-named-entries")


@pytest.mark.parametrize(("width", "height", "phone"), [(1280, 900, False), (390, 844, True)],
                         ids=["1280x900", "phone-390"])
def test_run_brings_the_results_into_view(browser: Any, compare_app: tuple[str, Path],
                                          files: dict[str, Path], width: int, height: int,
                                          phone: bool) -> None:
    """The panes sit under the entries' long forms: Run scrolls them into view, on a phone
    (panes stacked) too, and they stay there while the round fills them in."""
    page = _open(browser, compare_app[0], width, height, phone)
    try:
        _upload(page, "compare-image", files["small"])
        page.evaluate("window.scrollTo(0, 0)")  # where a newcomer starts: the top
        head = page.locator("#compare-pane-0-head")
        expect(head).not_to_be_in_viewport()
        page.locator("#compare-run").click()
        expect(page.locator("#compare-status")).to_contain_text("Round 1: 3 of 3 succeeded.",
                                                               timeout=DONE)
        expect(page.locator("#compare-status")).to_be_in_viewport(ratio=1)
        expect(head).to_be_in_viewport(ratio=1)  # the whole title: which entry this is
        if not phone:  # the first pane's picture too (on a phone it is under its head)
            expect(page.locator("#compare-pane-0-image img")).to_be_in_viewport()
        # what shows first (a whole-page shot resizes the window, and the view moves)
        page.screenshot(path=str(SCREENSHOTS / f"compare-after-run-{width}-view.png"))
        screenshot(page, f"compare-after-run-{width}")
    finally:
        page.context.close()


def test_a_task_that_cannot_run_offline_says_so_before_the_run(tab: Any) -> None:
    """Offline no picture model runs: the task says so in its name and, when chosen, in plain
    words under it, with Compare off; what it points to (the page's Details) is there."""
    choice = tab.locator("#compare-task").get_by_label("Image generation", exact=False)
    expect(choice).to_have_count(1)
    expect(tab.locator("#compare-task")).to_contain_text(
        "Image generation (needs Replicate's cloud)")
    note = tab.locator("#compare-task-note")
    expect(note).to_be_hidden()
    choice.check()
    expect(note).to_be_visible()
    expect(note).to_contain_text("Not available offline")
    expect(note).to_contain_text("needs Replicate's cloud")
    expect(tab.locator("#compare-run")).to_be_disabled()
    expect(tab.locator("#compare-again")).to_be_disabled()
    # it points to the page's Details, which exist and say how
    expect(note).to_contain_text("Details, at the top of the page")
    expect(tab.locator("#page-details")).to_be_visible()
    screenshot(tab, "compare-image-offline")
    tab.locator("#compare-task").get_by_label("Image to image", exact=False).check()
    expect(note).to_be_hidden()
    expect(tab.locator("#compare-run")).to_be_enabled()


def test_after_stop_every_pane_says_what_happened(tab: Any) -> None:
    """Stopped while one chat entry writes a long story: the quick one says it is done, the
    stopped one says it was stopped, and the status counts them as the panes show them."""
    tab.locator("#compare-task").get_by_label("Chat").check()
    expect(tab.locator("#compare-entry-0 input")).to_have_value(CHAT)
    tab.locator("#compare-entry-0-form-box").click()
    tab.locator("#compare-entry-0-advanced").click()
    tab.locator("#compare-overrides-0 textarea").fill('{"max_tokens": 3}')
    tab.locator("#compare-entry-1-form-box").click()
    tab.locator("#compare-entry-1-advanced").click()
    tab.locator("#compare-overrides-1 textarea").fill('{"max_tokens": 2000}')
    tab.locator("#compare-prompt textarea").fill(STORY)
    tab.locator("#compare-run").click()
    # The engine may run the long one first (one chat model, one at a time), and a story may
    # end before Stop lands: what is checked is that every pane says what happened to it and
    # the status counts them as the panes show them.
    expect(tab.locator("#compare-pane-1-head")).to_contain_text("processing", timeout=DONE)
    tab.locator("#compare-stop").click()
    status = tab.locator("#compare-status")
    expect(status).to_contain_text("Stopped", timeout=DONE)
    heads = [tab.locator(f"#compare-pane-{i}-head") for i in range(2)]
    for head in heads:
        expect(head).to_contain_text(re.compile("succeeded|stopped"))
    finished = sum("succeeded" in head.inner_text() for head in heads)
    said = f"Round 1: {finished} of 2 finished before the stop"
    expect(status).to_contain_text(said + (f"; {2 - finished} stopped." if finished < 2 else "."))
    if finished < 2:  # the round's notes say it the same way
        expect(tab.locator("#compare-summary")).to_contain_text("did not finish (stopped).")
    expect(tab.locator("#compare-summary")).not_to_contain_text("canceled")
    for i in range(2):
        for word in ("processing", "starting", "queued", "Running"):
            expect(tab.locator(f"#compare-pane-{i}")).not_to_contain_text(word)
    screenshot(tab, "compare-stopped")


def test_the_grid_offers_settings_by_their_labels(tab: Any, files: dict[str, Path]) -> None:
    """The X/Y grid's settings read as the form's labels; the grid still gets the inputs'
    own names (and the model itself is offered in words, not as `ref`)."""
    tab.locator("#compare-grid-box").get_by_role("button", name="X/Y grid").click()
    x = tab.locator("#compare-grid-x input")
    expect(x).not_to_have_value("model")  # the label of rembg's setting, once read
    expect(x).to_have_value(re.compile(r"^[A-Z]"))
    x.click()
    options = tab.get_by_role("option")
    expect(options.first).to_be_visible()
    shown = options.all_inner_texts()
    assert "The model itself (values: model names)" in shown, shown
    assert not {"ref", "model", "scale"} & set(shown), shown
    tab.keyboard.press("Escape")
    expect(tab.locator("#compare-grid-box")).not_to_contain_text("`ref`")
    expect(tab.locator("#compare-grid-box")).not_to_contain_text("ref ")
    _upload(tab, "compare-image", files["small"])
    tab.locator("#compare-grid-run").click()
    expect(tab.locator("#compare-status")).to_contain_text("Grid: 2 of 2 pictures made.",
                                                           timeout=DONE)
    screenshot(tab, "compare-grid-labels")


def _session_file(folder: Path, task: str, ref: str, inputs: dict[str, Any]) -> Path:
    """A saved comparison as the app writes one: two entries of one model, one round."""
    body = {"format": "replicate-playground/compare-session", "task": task,
            "entries": [{"ref": ref}, {"ref": ref, "overrides": {"seed": 2}}],
            "inputs": inputs,
            "runs": [{"round": 1, "entry": i, "status": "failed", "error": "no"}
                     for i in range(2)]}
    path = folder / f"{task}-session.json"
    path.write_text(json.dumps(body))
    return path


def test_a_loaded_session_says_what_its_task_cannot_do_here(tab: Any, tmp_path: Path) -> None:
    """Loading a saved comparison is choosing its task: an image generation session, offline,
    shows the task's note and turns Compare, Run again and Make grid off, as the task picker
    does; an image-to-image session loaded next turns them on again."""
    note = tab.locator("#compare-task-note")
    buttons = [tab.locator(f"#compare-{b}") for b in ("run", "again", "grid-run")]
    expect(note).to_be_hidden()
    tab.locator("#compare-grid-box").get_by_role("button", name="X/Y grid").click()
    tab.locator("#compare-export-box").get_by_role("button", name="Save and load").click()
    load = tab.locator("#compare-load input[type=file]")
    load.set_input_files(str(_session_file(tmp_path, "image", "local/sd-turbo",
                                           {"prompt": "a red fox"})))
    status = tab.locator("#compare-status")
    expect(status).to_contain_text("Loaded the saved comparison")
    expect(tab.locator("#compare-task").get_by_label("Image generation", exact=False)
           ).to_be_checked()
    expect(note).to_be_visible()
    expect(note).to_contain_text("Not available offline")
    for button in buttons:
        expect(button).to_be_disabled()
    expect(tab.locator("#compare-prompt textarea")).to_have_value("a red fox")
    expect(tab.locator("#compare-entry-1 input")).to_have_value("local/sd-turbo")
    screenshot(tab, "compare-loaded-image-offline")
    tab.locator("#compare-load").get_by_role("button", name="Clear").click()  # the next file
    tab.locator("#compare-load input[type=file]").set_input_files(
        str(_session_file(tmp_path, "image-to-image", "local/rembg", {})))
    expect(tab.locator("#compare-task").get_by_label("Image to image", exact=False)
           ).to_be_checked()
    expect(note).to_be_hidden()
    for button in buttons:
        expect(button).to_be_enabled()


BLIND_WORDS = re.compile(r"rembg|esrgan|modnet|u2netp|scale|local/|on this computer|\d s\b")


def _results_html(page: Any) -> str:
    """What the round shows: its panes, its status line and its summary."""
    return page.evaluate("""() => ["compare-status", "compare-summary", "compare-pane-0",
        "compare-pane-1", "compare-pane-2", "compare-pane-3"]
        .map((id) => document.getElementById(id)?.outerHTML ?? "").join("\\n")""")


def test_a_blind_round_names_no_model_until_each_output_has_a_vote(
        tab: Any, files: dict[str, Path], capfd: pytest.CaptureFixture[str]) -> None:
    _upload(tab, "compare-image", files["small"])
    expect(tab.locator("#compare-reveal")).to_be_hidden()
    tab.locator("#compare-blind input").check()
    expect(tab.locator("#compare-reveal")).to_be_visible()
    tab.locator("#compare-run").click()
    status = tab.locator("#compare-status")
    expect(status).to_contain_text("Round 1: 3 of 3 succeeded. Blind:", timeout=DONE)
    for pane, letter in enumerate("ABC"):
        expect(tab.locator(f"#compare-pane-{pane}-head")).to_have_text(
            re.compile(rf"^\s*{letter}\s*succeeded"))
    assert not BLIND_WORDS.search(_results_html(tab)), _results_html(tab)
    expect(tab.locator("#compare-summary")).to_contain_text("Blind round")
    screenshot(tab, "compare-blind-before-vote")
    for pane in range(3):
        tab.locator(f"#compare-pane-{pane}-vote").get_by_label("About the same").check()
    # the last vote shows which model made which, where each output was
    expect(status).to_contain_text("here is which model made which")
    assert tab.locator(".toast-body").count() == 0
    assert "Traceback" not in capfd.readouterr().err  # no vote's follow-up failed
    heads = " ".join(tab.locator(f"#compare-pane-{p}-head").inner_text() for p in range(3))
    assert heads.count("local/rembg") == 2 and "local/real-esrgan" in heads
    expect(tab.locator("#compare-summary")).to_contain_text("local/real-esrgan (scale=2)")
    screenshot(tab, "compare-blind-after-vote")
    # the leaderboard counts the round's three pairs, each a tie
    tab.locator("#compare-board-box").get_by_text("Leaderboard (blind votes)").click()
    board = tab.locator("#compare-board")
    expect(board).to_contain_text("3 blind battles in this comparison")
    expect(board).to_contain_text("Bradley-Terry")
    expect(tab.locator("#compare-board-csv")).to_contain_text("leaderboard-session-")
    found = axe_violations(tab)
    assert not found, axe_report(found)
    screenshot(tab, "compare-leaderboard")


def test_two_browsers_vote_on_a_shared_session_and_the_host_sees_both(
        tab: Any, browser: Any, files: dict[str, Path],
        capfd: pytest.CaptureFixture[str]) -> None:
    _upload(tab, "compare-image", files["small"])
    tab.locator("#compare-blind input").check()
    tab.locator("#compare-run").click()
    expect(tab.locator("#compare-status")).to_contain_text("3 of 3 succeeded", timeout=DONE)
    tab.locator("#compare-share").click()
    link = tab.locator("#compare-share-link textarea")
    expect(link).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/\?tab=compare&session="))
    tally = tab.locator("#compare-room-tally")
    expect(tally).to_contain_text("none yet")
    url = link.input_value()
    voters = [_open(browser, url, 1280, 900), _open(browser, url, 390, 844, phone=True)]
    try:
        for n, voter in enumerate(voters):
            expect(voter.locator("#compare-status")).to_contain_text(
                "You are voting on a shared comparison")
            assert not BLIND_WORDS.search(_results_html(voter)), _results_html(voter)
            screenshot(voter, f"compare-room-voter-{n}")
            for pane in range(3):
                voter.locator(f"#compare-pane-{pane}-vote").get_by_label(
                    "Better than the others" if pane == n else "Not as good").check()
            expect(voter.locator("#compare-status")).to_contain_text(
                "here is which model made which")
        # the host's page polls the tally: both browsers, every vote
        expect(tally).to_contain_text("2 browsers, 6 votes", timeout=30_000)
        assert "Traceback" not in capfd.readouterr().err  # no event failed
        screenshot(tab, "compare-room-host")
        # a second vote on an output from the same browser is not counted, and says so
        voters[0].locator("#compare-pane-0-vote").get_by_label("About the same").check()
        expect(voters[0].locator("#compare-summary")).to_contain_text("already voted")
        expect(tally).to_contain_text("2 browsers, 6 votes")
    finally:
        for voter in voters:
            voter.context.close()


def test_a_prompt_set_runs_is_stopped_survives_a_reload_and_resumes(
        tab: Any, capfd: pytest.CaptureFixture[str]) -> None:
    tab.locator("#compare-task").get_by_label("Chat").check()
    expect(tab.locator("#compare-entry-0 input")).to_have_value(CHAT)
    tab.locator("#compare-shared-box").get_by_text("Advanced").click()
    tab.locator("#compare-shared textarea").fill('{"max_tokens": 24}')
    tab.locator("#compare-set-box").get_by_text("Prompt set").click()
    tab.locator("#compare-set-lines textarea").fill(
        "\n".join(f"Name a colour, number {n}." for n in range(1, 16)))
    tab.locator("#compare-set-run").click()
    progress = tab.locator("#compare-set-progress")
    expect(progress).to_contain_text(re.compile(r"\b([2-9]|1\d) of 30 done"), timeout=DONE)
    tab.locator("#compare-stop").click()
    expect(progress).to_contain_text("Press Resume the set", timeout=DONE)
    stopped = progress.inner_text()
    assert "30 of 30" not in stopped
    # a reload finds the set again, with what finished
    tab.reload()
    expect(tab.locator("#compare-status")).to_contain_text("Your prompt set", timeout=60_000)
    tab.locator("#compare-set-box").get_by_text("Prompt set").click()
    tab.locator("#compare-set-resume").click()
    expect(progress).to_contain_text("30 of 30 done", timeout=DONE)
    # every input's verdicts and states in one table; pick input 2 to see its panes
    table = tab.locator("#compare-set-table")
    expect(table).to_contain_text("Inputs 1 to 15 of 15")
    expect(table).to_contain_text("2. Name a colour, number 2.")
    assert "not run" not in table.inner_text() and "stopped" not in table.inner_text()
    expect(table).to_contain_text("no vote yet")
    assert "Traceback" not in capfd.readouterr().err
    screenshot(tab, "compare-prompt-set")


def test_an_arena_round_is_blind_and_can_be_revealed(
        tab: Any, files: dict[str, Path], capfd: pytest.CaptureFixture[str]) -> None:
    _upload(tab, "compare-image", files["small"])
    tab.locator("#compare-arena-box").get_by_text("Arena").click()
    tab.locator("#compare-arena-run").click()
    status = tab.locator("#compare-status")
    expect(status).to_contain_text("Round 1: 2 of 2 succeeded. Blind:", timeout=DONE)
    assert not BLIND_WORDS.search(_results_html(tab)), _results_html(tab)
    tab.locator("#compare-reveal").click()  # offered for the arena's blind round
    expect(status).to_contain_text("do not count as blind")
    # the names (a local model or a preset: the pool has both) and the times show
    expect(tab.locator("#compare-pane-0-head")).to_contain_text(
        re.compile(r"(local/|preset:)\S+\s*succeeded · model time"))
    assert "Traceback" not in capfd.readouterr().err


def test_an_image_set_from_one_zip_runs_and_a_hostile_zip_is_one_sentence(
        tab: Any, files: dict[str, Path], tmp_path: Path,
        capfd: pytest.CaptureFixture[str]) -> None:
    """No shared image: the set's zip holds its CSV and both images; every entry runs on
    each. Then a zip with a '..' name: one plain sentence, nothing run."""
    import zipfile

    flipped = tmp_path / "flipped.png"
    ImageOps.mirror(Image.open(files["tiny"])).save(flipped)
    good = tmp_path / "set.zip"
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("set.csv", "image\none.png\npics/two.png\n")
        z.write(files["tiny"], "one.png")
        z.write(flipped, "pics/two.png")
    tab.locator("#compare-set-box").get_by_text("Prompt set").click()
    expect(tab.locator("#compare-set-zip")).to_contain_text("a zip of the images")
    tab.locator("#compare-set-file input[type=file]").set_input_files(str(good))
    expect(tab.locator("#compare-set-file")).to_contain_text("set.zip")
    tab.locator("#compare-set-run").click()
    progress = tab.locator("#compare-set-progress")
    expect(progress).to_contain_text("6 of 6 done", timeout=DONE)
    expect(tab.locator("#compare-set-table")).to_contain_text("Inputs 1 to 2 of 2")
    _no_error_shown(tab)

    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("set.csv", "image\n../one.png\n")
        z.writestr("../one.png", b"x")
    tab.locator("#compare-set-file button[aria-label='Clear']").first.click()
    tab.locator("#compare-set-file input[type=file]").set_input_files(str(bad))
    expect(tab.locator("#compare-set-file")).to_contain_text("bad.zip")
    tab.locator("#compare-set-run").click()
    expect(progress).to_contain_text("The zip holds a file named '../one.png'")
    _no_error_shown(tab)
    assert "Traceback" not in capfd.readouterr().err


def _no_error_shown(page: Any) -> None:
    """No shown pane (three entries here) has an error badge, and no error pop-up."""
    for i in range(3):
        expect(page.locator(f"#compare-pane-{i}")).not_to_contain_text("Error")
    assert page.locator(".toast-body").count() == 0
