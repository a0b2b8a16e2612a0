"""Small pieces every tab uses: the intro line, the preset picker, Run/Cancel, result files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr
from PIL import Image, ImageOps

from playground.presets import Task
from playground.results import RunResult
from playground.service import human_size
from playground.ui.context import AppContext
from playground.ui.kit import messages
from playground.ui.kit.inputs import image_size, readable_image
from playground.ui.kit.runner import (
    Run,
    RunPanel,
    details_markdown,
    path_of,
    pill,
)
from playground.ui.kit.status_text import no_output, status_for

DEFAULT_PRESET = ""


def intro(text: str) -> gr.Markdown:
    return gr.Markdown(text, elem_classes=["tab-intro"])


def preset_picker(ctx: AppContext, tab: str, task: Task) -> tuple[gr.Dropdown, gr.Markdown]:
    """A dropdown of the task's presets and a line describing the chosen one."""
    choices, default = ctx.presets.choices(task)
    if not choices:
        choices, default = [("Default", DEFAULT_PRESET)], DEFAULT_PRESET
    # One preset is no choice: a disabled one-item list read as broken, so only its line shows.
    dropdown = gr.Dropdown(
        choices=choices, value=default, label="Preset", elem_id=f"{tab}-preset",
        info="Ready-made settings; you can still change everything below.",
        visible=len(choices) > 1,
    )
    about = gr.Markdown(
        ctx.presets.describe(task, default),
        elem_id=f"{tab}-preset-info", elem_classes=["run-details"],
    )
    return dropdown, about


def wire_preset(ctx: AppContext, tab: str, task: Task, dropdown: gr.Dropdown, about: gr.Markdown,
                fields: dict[str, gr.components.Component]) -> None:
    """Choosing a preset fills the fields it names (`fields` maps input names to components).
    They are the tab's form for a saved run too ("Open in its tab", a reload)."""
    ctx.reopen.add(tab, fields)
    targets = list(fields.values())

    def apply(preset: str | None) -> list[Any]:
        values = ctx.presets.inputs_of(task, preset)
        updates: list[Any] = [ctx.presets.describe(task, preset)]
        for key in fields:
            updates.append(values[key] if key in values else gr.skip())
        return updates

    # `.input`: a person's choice only. A saved run put back in the tab ("Open in its tab", a
    # reload) sets the dropdown too, and must not have its settings overwritten by the preset's
    # own a moment later (Max tokens read 256 again after 16 was put back).
    dropdown.input(apply, inputs=[dropdown], outputs=[about, *targets],
                   api_name=f"{tab}_preset", show_progress="hidden")


def run_buttons(tab: str, label: str = "Run", *,
                enabled: bool = True) -> tuple[gr.Button, gr.Button]:
    """Run and Cancel; `enabled=False` when the tab cannot run here (it then says why)."""
    with gr.Row():
        run = gr.Button(label, variant="primary", elem_id=f"{tab}-run", elem_classes=["run-btn"],
                        scale=3, interactive=enabled)
        cancel = gr.Button("Cancel", variant="stop", elem_id=f"{tab}-cancel", scale=1,
                           min_width=100, interactive=enabled)
    return run, cancel


def check_on_upload(ctx: AppContext, image: gr.Image, status: gr.Markdown, field: str,
                    tab: str) -> None:
    """A file that is not a picture (a text file renamed .png) is refused as it is dropped,
    with the reason in the status line, instead of a broken thumbnail and a refusal at Run."""

    def check(value: Any) -> tuple[Any, Any]:
        try:
            readable_image(path_of(value), field, ctx.max_upload_bytes)
        except Exception as exc:  # every problem becomes a message, never a traceback
            return None, status_for(messages.describe(exc))
        return gr.skip(), "Ready."

    image.upload(check, inputs=[image], outputs=[image, status], preprocess=False,
                 api_name=f"{tab}_check_upload", api_visibility="private",
                 show_progress="hidden")


def preset_value(name: Any) -> str | None:
    return str(name) if name else None


def first_file(result: RunResult, suffixes: tuple[str, ...] = ()) -> Path | None:
    for path in result.files:
        if not suffixes or path.suffix.lower() in suffixes:
            return path
    return None


def initial(ctx: AppContext, task: Task) -> dict[str, Any]:
    """The default preset's inputs for this backend: the starting values of a tab's controls."""
    _, default = ctx.presets.choices(task)
    return ctx.presets.inputs_of(task, default)


@dataclass
class ImageView:
    """An image tab's outputs: its run panel, the before/after slider, the download button and
    (for tabs that show the result alone too) a plain image."""

    panel: RunPanel
    slider: gr.ImageSlider
    download: gr.DownloadButton
    image: gr.Image | None = None


def stale_image(view: ImageView) -> dict[Any, Any]:
    """An image tab's last result as a new run starts: gone, its Download too (runner.wire_run's
    `stale`), so it never sits beside the new run or its error."""
    stale: dict[Any, Any] = {view.slider: None,
                             view.download: gr.update(value=None, visible=False)}
    if view.image is not None:
        stale[view.image] = None
    return stale


def image_result_updates(run: Run, view: ImageView, before: str | None, *,
                         kind: str | None = None, note: str = "",
                         show_source: bool = False, reduced_why: str = "") -> dict[Any, Any]:
    """What an image tab shows after a successful run: before/after slider, the download
    button (`kind`, default the file's suffix), status (`note` after the size) and details;
    `reduced_why` says why a picture reduced before the run was (default: the limit).

    The status line says in words what a person would otherwise miss: a picture reduced before
    the run (so the result is smaller than theirs), no face found, an empty result.
    """
    assert run.result is not None
    out = first_file(run.result)
    if out is None:
        return {view.panel.status: no_output()}
    size = image_size(out)
    dims = f"{size[0]}×{size[1]} px" if size else "unknown size"
    given = image_size(before or "")
    line = (f"**Output** {dims}" + (f" (from {given[0]}×{given[1]})" if given and show_source
                                    else "") + f", {human_size(out.stat().st_size)}")
    kind = kind or out.suffix.lstrip(".").upper()
    summary = f"Output: {dims}{note}."
    warnings = [w for w in (_no_face(run.result, given, size),
                            _reduced(run, given, size, reduced_why),
                            _empty_result(out)) if w]
    status = run.done_status(summary)
    if warnings:
        status = f"{pill('warn', 'Done, but')} " + " ".join(warnings) + f" {summary}"
    updates: dict[Any, Any] = {
        view.slider: (same_framing(before, out, size, run.ctx.output_dir), str(out)),
        view.download: gr.DownloadButton(f"Download {kind} · {dims}", value=str(out),
                                         visible=True),
        view.panel.status: status,
        view.panel.details: details_markdown(run.result, [line]),
    }
    if view.image is not None:
        updates[view.image] = str(out)
    return updates
_REDUCED = re.compile(r"(\d+)x(\d+)\b[^>]*->\s*(\d+)x(\d+)")


def _reduced(run: Run, given: tuple[int, int] | None, size: tuple[int, int] | None,
             why: str = "") -> str:
    """Plain words when the picture was reduced before the run, or the result is smaller
    than the picture the person gave."""
    if not given or not size:
        return ""
    smaller = size[0] < given[0] or size[1] < given[1]
    sent = None
    for note in run.result.upload_notes if run.result else []:
        found = _REDUCED.search(str(note))
        if found:
            sent = (int(found.group(3)), int(found.group(4)))
    why = why or ("bigger pictures take minutes on this computer" if run.ctx.backend.is_local
                  else "the model takes pictures up to that size")
    result = (f"so the result ({size[0]}×{size[1]}) is smaller than your picture."
              if smaller else f"so the result ({size[0]}×{size[1]}) has less detail than "
              "your picture could give.")
    if sent and sent != given:
        return (f"Your {given[0]}×{given[1]} picture was reduced to {sent[0]}×{sent[1]} first, "
                f"because {why}, {result}")
    if smaller:
        return (f"The result ({size[0]}×{size[1]}) is smaller than your {given[0]}×{given[1]} "
                "picture.")
    return ""


_NO_FACE = re.compile(r"(?i)\bno faces? (?:was |were )?(?:found|detected)")


def _no_face(result: RunResult, given: tuple[int, int] | None, size: tuple[int, int] | None) -> str:
    """A face model that found no face returns the photo as it was (at most enlarged)."""
    if not _NO_FACE.search(result.logs or ""):
        return ""
    if given and size and given != size:
        return "No face found: no face was restored; the picture was only enlarged."
    return "No face found: the picture is unchanged."


def _empty_result(out: Path) -> str:
    """A (nearly) fully transparent picture looks like a success on the checkerboard: say that
    nothing was kept. "Kept" is at least half opaque; a faint haze (alpha 15 of 255) is not."""
    try:
        with Image.open(out) as img:
            if img.mode not in ("RGBA", "LA", "PA", "P") and "transparency" not in img.info:
                return ""
            histogram = img.convert("RGBA").getchannel("A").histogram()
    except (OSError, ValueError):
        return ""
    if sum(histogram[128:]):
        return ""
    return "The result is empty: nothing in the picture was kept (it is all transparent)."


def same_framing(before: str | None, out: Path, size: tuple[int, int] | None,
                 folder: Path) -> str | None:
    """The picture the person gave, at the result's size, so both halves of the before/after
    slider show the same framing (the slider lays two different sizes out differently)."""
    given = image_size(before or "")
    if before is None or given is None or size is None or given == size:
        return before
    target = folder / "outputs" / "slider" / f"{out.stem}-before-{size[0]}x{size[1]}"
    for done in (target.with_suffix(".png"), target.with_suffix(".jpg")):
        if done.exists():
            return str(done)
    try:
        with Image.open(before) as img:
            img = ImageOps.exif_transpose(img)
            mode = "RGBA" if img.mode in ("RGBA", "LA", "PA", "P") else "RGB"
            view = img.convert(mode).resize(size, Image.Resampling.BICUBIC)
        target.parent.mkdir(parents=True, exist_ok=True)
        # A view, not a result: JPEG saves a 48 MP "before" in a second (PNG takes ~20 s).
        target = target.with_suffix(".png" if mode == "RGBA" else ".jpg")
        view.save(target, quality=92)
    except (OSError, ValueError):
        return before
    return str(target)


def reopen_image_tab(ctx: AppContext, tab: str, view: ImageView, file_input: Any, *,
                     kind: str | None = None, note: str = "", show_source: bool = False) -> None:
    """An image tab's form and result for a saved run: its input image, then the same
    before/after, download and status a finished run shows."""
    ctx.reopen.add(tab, {"image": file_input})
    outputs = [view.slider, view.download, *view.panel.outputs]
    if view.image is not None:
        outputs.append(view.image)
    ctx.reopen.shows(tab, outputs, partial(_image_shows, view, kind, note, show_source),
                     view.panel.status)


def _image_shows(view: ImageView, kind: str | None, note: str, show_source: bool, run: Run,
                 values: dict[str, Any]) -> dict[Any, Any]:
    before = values.get("image")
    return image_result_updates(run, view, str(before) if isinstance(before, Path) else None,
                                kind=kind, note=note, show_source=show_source)
