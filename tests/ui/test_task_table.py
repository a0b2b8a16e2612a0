"""The task table (playground/tasks.py) is the one list of tabs and tasks: everything that used
to keep its own list reads it, and a new tab is a preset file, a row and a tab module.

The example tab ("Make a sticker": task `cutout`, tab `sticker`, in Compare's image-to-image
group) is written here, into the test's own folder, and the app is built from the project's
table plus its row: no other file of the project is touched to add it.
"""

from __future__ import annotations

import importlib
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from playground import presets as presets_module
from playground.compare import forms as compare_forms
from playground.compare.from_history import TASK_OF, entry_from_run
from playground.history import FinishedRun, InputFile, RunStore, Scope
from playground.presets import PRESETS_DIR, PresetError, load_file, load_presets
from playground.service import RunHistory, Service
from playground.tasks import TABLE, PageTab, TaskRow, TaskTable, by_id, by_module, by_tab
from playground.ui import app as app_module
from playground.ui.app import build_page
from playground.ui.compare import view as compare_view
from playground.ui.context import AppContext, make_context
from playground.ui.history import view as hv
from playground.ui.parts import PageParts

# --- the example tab: the three things a new tab is ------------------------------------------

# 1. a preset file (its `task` is the row's id), pointing at a local engine model
STICKER_PRESETS = """\
# Stickers: the subject cut out, ready to paste.
task = "cutout"

[[preset]]
id = "sticker"
title = "Sticker"
description = "Cuts the subject out of a photo, as a PNG with transparency."
model = "cjwbw/rembg:fb8af171cfa1616ddcf1242c093f9c46bcada5ad4cf6f2fbe8b81b330ec5c003"
deterministic = true
local_model = "local/rembg"
file_input = "image"
local_max_image_side = 512

[preset.local_defaults]
model = "u2netp"
"""

# 2. a row of the task table: the task, the tab, its labels, its file and its Compare group
STICKER = TaskRow("cutout", "sticker", "Make a sticker", "sticker_tab",
                  compare="image-to-image", file_kind="image", history_label="Sticker")

# 3. a tab module: `build(ctx)`, its row found in the app's table
STICKER_TAB = '''\
"""Make a sticker: the subject of a photo cut out (an example tab, written by a test)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.service import Caller, OnUpdate
from playground.results import RunResult
from playground.tasks import TaskRow
from playground.ui.kit import widgets
from playground.ui.context import AppContext
from playground.ui.kit.inputs import IMAGE_HINT, require_file
from playground.ui.kit.runner import PROGRESS, Run, bind, path_of, run_panel, wire_run
from playground.ui.kit.widgets import ImageView


def build(ctx: AppContext) -> None:
    row = ctx.tasks.by_module(__name__)
    widgets.intro("Cut the subject out of a photo, ready to paste as a sticker.")
    preset, about = widgets.preset_picker(ctx, row.tab, row.id)
    image = gr.Image(type="filepath", label="Photo", sources=["upload"],
                     elem_id=f"{row.tab}-image")
    run_btn, cancel_btn = widgets.run_buttons(row.tab, row.label)
    slider = gr.ImageSlider(label="Before / after", type="filepath", format="png",
                            interactive=False, elem_id=f"{row.tab}-output")
    download = gr.DownloadButton("Download PNG", visible=False, elem_id=f"{row.tab}-download")
    panel = run_panel(row.tab)
    widgets.wire_preset(ctx, row.tab, row.id, preset, about, {})
    view = ImageView(panel, slider, download)
    widgets.reopen_image_tab(ctx, row.tab, view, image, kind="PNG")
    wire_run(ctx, row.tab, panel, run_btn, cancel_btn, bind(sticker, ctx, row, view),
             inputs=[image, preset], outputs=[slider, download], progress_on=[slider],
             preprocess=False)


async def sticker(ctx: AppContext, row: TaskRow, view: ImageView, image: Any,
                  preset: str | None, token: str | None = None,
                  request: gr.Request | None = None, progress: gr.Progress = PROGRESS) -> Any:
    """Make a sticker: the photo's subject cut out, transparency kept."""
    image_path = path_of(image)
    run = Run(ctx, row.tab, request, token, progress)

    async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
        path = require_file(image_path, "The photo", IMAGE_HINT, ctx.max_upload_bytes,
                            image=True)
        return await ctx.service.run_task(row.id, str(path),
                                          preset=widgets.preset_value(preset), token=token,
                                          on_update=on_update, caller=caller)

    async for update in run.execute(call, view.panel):
        yield update
    if run.result is None:
        return
    yield widgets.image_result_updates(run, view, image_path, kind="PNG")
'''

ME = "task-table-owner-01234567"
VERSION = "c" * 64


def _png(size: int = 32) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), (200, 40, 40)).save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class Example:
    table: TaskTable
    presets_dir: Path
    service: Service
    store: RunStore


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Example]:
    """The project's presets and table plus the example tab's file, row and module."""
    folder = tmp_path_factory.mktemp("example-tab")
    presets_dir = folder / "presets"
    shutil.copytree(PRESETS_DIR, presets_dir)
    (presets_dir / "cutout.toml").write_text(STICKER_PRESETS)
    modules = folder / "modules"
    modules.mkdir()
    (modules / "sticker_tab.py").write_text(STICKER_TAB)
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(modules))
    table = TABLE.with_task(STICKER)
    store = RunStore(folder / "data")
    # A local backend nobody answers on: the page is built, no model runs here.
    service = Service("http://127.0.0.1:9", data_dir=folder / "data", backend="local",
                      presets=load_presets(presets_dir, tasks=table), tasks=table,
                      history=RunHistory(store))
    yield Example(table, presets_dir, service, store)
    store.close()
    mp.undo()


@pytest.fixture(scope="module")
def built(example: Example) -> tuple[AppContext, Any, PageParts]:
    ctx = make_context(example.service, browser_secret="task-table-browser-secret")
    demo, parts = build_page(ctx)
    return ctx, demo, parts


def _tab_items(demo: Any) -> list[tuple[str, str]]:
    """(id, label) of every tab of the page's own tab bar, in order."""
    return [(c["props"]["id"], c["props"]["label"]) for c in demo.config["components"]
            if c["type"] == "tabitem" and c["props"].get("elem_id", "").endswith("-tab")]


def _api_names(demo: Any) -> set[str]:
    return {d["api_name"] for d in demo.config["dependencies"] if d.get("api_name")}


# --- the example tab, built from the table ---------------------------------------------------

Built = tuple[AppContext, Any, PageParts]


def test_the_new_tab_is_on_the_page_with_its_label_and_endpoints(built: Built) -> None:
    ctx, demo, parts = built
    tabs = _tab_items(demo)
    assert tabs == [(t.tab, t.label) for t in ctx.tasks.tabs]
    assert ("sticker", "Make a sticker") in tabs
    assert [t for t, _ in tabs].index("sticker") == [t for t, _ in tabs].index("faces") + 1
    assert {"sticker", "sticker_preset", "sticker_cancel"} <= _api_names(demo)
    assert "sticker" in parts.tab_blocks and "sticker" in ctx.reopen.forms  # Open in it


def test_the_new_tasks_runs_have_their_history_label(built: tuple[AppContext, Any, PageParts],
                                                     example: Example,
                                                     tmp_path: Path) -> None:
    ctx, demo, parts = built
    history = ctx.service.history
    assert history is not None
    filters = next(c for c in demo.config["components"]
                   if c["props"].get("elem_id") == "history-task")
    assert ("Sticker", "cutout") in [tuple(c) for c in filters["props"]["choices"]]
    out = tmp_path / "sticker.png"
    out.write_bytes(_png())
    example.store.record(FinishedRun(
        task="cutout", tab="sticker", model="local/rembg", version=VERSION,
        backend_kind="local", backend_url="http://127.0.0.1:8008", status="succeeded",
        inputs={"image": InputFile(_png(), "photo.png"), "model": "u2netp"}, output=out), ME)
    rows, _, _ = hv.list_runs(history, ME, hv.View(), hv.filters_of("", "cutout", "", "", ""),
                              labels=ctx.tasks.history_labels())
    assert len(rows) == 1 and "Sticker" in rows[0][1]
    record = history.page(ME).runs[0]
    assert "**Sticker** from the sticker tab" in hv.details_markdown(
        record, ctx.tasks.history_labels())


def test_the_new_task_joins_its_compare_group(built: tuple[AppContext, Any, PageParts],
                                              example: Example) -> None:
    ctx, demo, parts = built
    radio = next(c for c in demo.config["components"]
                 if c["props"].get("elem_id") == "compare-task")
    labels = dict((value, label) for label, value in radio["props"]["choices"])
    assert labels["image-to-image"].endswith("restore faces, make a sticker)")
    choices = [value for _, value in compare_view.choices(ctx, "image-to-image")]
    assert "preset:sticker" in choices and "local/rembg" in choices
    photo = example.presets_dir.parent / "photo.png"
    photo.write_bytes(_png())
    run = entry_from_run("cutout", "local/rembg", VERSION, {"image": photo, "model": "u2netp"},
                         tasks=ctx.tasks)
    assert run.task == "image-to-image" and run.file == photo
    assert run.overrides == {"model": "u2netp"}


def test_the_new_preset_file_is_checked_against_the_table(example: Example) -> None:
    path = example.presets_dir / "cutout.toml"
    assert [p.id for p in load_file(path, example.table)] == ["sticker"]
    with pytest.raises(PresetError, match=r"cutout.toml: task: Input should be 'image', "
                                          r"'chat', .* or 'faces'"):
        load_file(path)  # the project's own table has no such task
    no_file = example.presets_dir.parent / "cutout-no-file.toml"
    no_file.write_text(STICKER_PRESETS.replace('file_input = "image"\n', ""))
    with pytest.raises(PresetError, match=r"a cutout preset needs file_input"):
        load_file(no_file, example.table)
    ordered = list(load_presets(example.presets_dir, tasks=example.table).values())
    assert [p.task for p in ordered][-1] == "cutout"  # files in the table's order


# --- the table itself --------------------------------------------------------------------------

def test_one_vocabulary_the_three_names_of_a_task() -> None:
    background = by_tab("background")
    assert (background.id, background.compare, background.label) == (
        "rembg", "image-to-image", "Remove background")
    assert by_id("rembg") is background
    assert by_module("playground.ui.tabs.background") is background
    assert TABLE.group_of("rembg") == "image-to-image" and TABLE.group_of("model") is None
    with pytest.raises(KeyError, match="no task tab 'rembg'"):
        by_tab("rembg")  # the task's id is not its tab's


def test_every_list_that_names_tabs_or_tasks_is_read_from_the_table() -> None:
    # the public names as they were before the table (URLs, presets, stored history, API)
    assert app_module.TAB_IDS == ["image", "chat", "transcribe", "upscale", "background",
                                  "faces", "models", "compare", "history"]
    assert presets_module.TASKS == ("image", "chat", "transcribe", "upscale", "rembg", "faces")
    assert hv.TASK_LABELS == {
        "image": "Image", "chat": "Chat", "transcribe": "Transcribe", "upscale": "Upscale",
        "rembg": "Remove background", "faces": "Restore faces", "model": "Model",
        "compare": "Compare"}
    assert TASK_OF == {"image": "image", "upscale": "image-to-image",
                       "rembg": "image-to-image", "faces": "image-to-image", "chat": "chat",
                       "transcribe": "transcription"}
    assert compare_forms.PRESET_TASKS == {
        "image-to-image": ("upscale", "rembg", "faces"), "image": ("image",),
        "chat": ("chat",), "transcription": ("transcribe",)}
    assert compare_forms.FILE_INPUTS == {"image-to-image": "image", "transcription": "audio"}
    assert list(compare_forms.TASKS) == ["image-to-image", "image", "chat", "transcription"]
    for row in TABLE.rows:  # each tab module's TAB and TASK are its row's
        module = importlib.import_module(row.module)
        assert (module.TAB, module.TASK) == (row.tab, row.id), row.module


def test_compares_local_models_are_the_presets_stand_ins() -> None:
    """No second list of the local models: a group's are its tasks' presets' `local_model`,
    and every starting entry offline is one of them."""
    presets = load_presets()
    local = {group: compare_forms.local_models(
        p for row in TABLE.in_group(group) for p in presets.values() if p.task == row.id)
        for group in compare_forms.TASKS}
    assert local == {
        "image-to-image": ("local/real-esrgan", "local/rembg", "local/face-enhance"),
        "image": ("local/sd-turbo",), "chat": ("local/smollm2-135m-instruct",),
        "transcription": ("local/whisper-tiny-en",)}
    for group, starters in compare_forms.LOCAL_STARTERS.items():
        assert {ref for ref, _ in starters} <= set(local[group]), group


def test_a_table_that_contradicts_itself_is_refused() -> None:
    row = TABLE.rows[0]
    with pytest.raises(ValueError, match="tab 'image' is listed twice"):
        TaskTable((*TABLE.tabs, PageTab("image", "Again", "x")))
    with pytest.raises(ValueError, match="no Compare group 'video'"):
        TABLE.with_task(TaskRow("clip", "clip", "Clip", "x", compare="video"))
    with pytest.raises(ValueError, match="task 'image' is listed twice"):
        TABLE.with_task(TaskRow(row.id, "other", "Other", "x", compare=None))
    with pytest.raises(ValueError, match="mixes files"):
        TABLE.with_task(TaskRow("dub", "dub", "Dub", "x", compare="image-to-image",
                                file_kind="audio"))
    with pytest.raises(ValueError, match="offline_first: no tab 'nowhere'"):
        TaskTable(TABLE.tabs, ("nowhere",))


def test_history_is_still_the_last_tab_of_a_table_with_one_more() -> None:
    bigger = TABLE.with_task(STICKER)
    assert bigger.tab_ids[-4:] == ("sticker", "models", "compare", "history")
    assert bigger.ids[-1] == "cutout" and bigger.offline_first == TABLE.offline_first
    assert bigger.history_labels()["cutout"] == "Sticker"
    assert TaskRow("a", "a", "Label", "m", compare=None).history_label == "Label"


# --- end to end: the example tab runs on the engine's real rembg -------------------------------

@pytest.mark.models
def test_the_new_tab_runs_end_to_end(example: Example, engine: Any,
                                     tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    from .conftest import start_app
    from .helpers import call

    data = tmp_path / "data"
    store = RunStore(data)
    service = Service(engine.url, data_dir=data, tasks=example.table,
                      presets=load_presets(example.presets_dir, tasks=example.table),
                      history=RunHistory(store))
    demo, url = start_app(service, data, tabs=["sticker", "history"])
    try:
        photo = tmp_path / "photo.png"
        photo.write_bytes(_png(64))
        client = Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
        out = call(client, "/sticker", handle_file(photo), "sticker")
        assert out.error is None, out.error
        _slider, download, status, details, _logs = out.final
        path = Path(download["value"] if isinstance(download, dict) else download)
        with Image.open(path) as img:
            assert img.format == "PNG" and img.mode == "RGBA"
        assert "Done" in status and "local/rembg" in details
        runs = store.page(Scope.shared(), limit=10).runs
        assert [(r.task, r.tab, r.model) for r in runs] == [("cutout", "sticker", "local/rembg")]
        assert runs[0].inputs["model"] == "u2netp"  # the preset's local default
    finally:
        demo.close()
        store.close()
