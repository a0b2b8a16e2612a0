"""Restore faces tab: GFPGAN repairs blurry or damaged faces; before/after slider."""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.results import RunResult
from playground.service import Caller, OnUpdate
from playground.tasks import by_module
from playground.ui.context import AppContext
from playground.ui.kit import widgets
from playground.ui.kit.inputs import IMAGE_HINT, require_file
from playground.ui.kit.runner import (
    PROGRESS,
    Run,
    bind,
    path_of,
    run_panel,
    wire_run,
)
from playground.ui.kit.widgets import ImageView

ROW = by_module(__name__)  # this tab's row of the task table
TAB, TASK = ROW.tab, ROW.id  # "faces", "faces"
VERSIONS = ["v1.4", "v1.3", "v1.2", "RestoreFormer"]


def build(ctx: AppContext) -> None:
    init = widgets.initial(ctx, TASK)
    widgets.intro("Repair blurry, old or damaged faces in a photo with **GFPGAN**. Drag the "
                  "slider on the result to compare.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            preset, about = widgets.preset_picker(ctx, TAB, TASK)
            image = gr.Image(type="filepath", label="Photo with faces",
                             sources=["upload", "clipboard", "webcam"], elem_id=f"{TAB}-image",
                             height=320)
            # GFPGAN's versions exist on Replicate only: the stand-in here has one face model
            # and would ignore the choice, so offline there is none to make.
            version = gr.Dropdown(VERSIONS, value=init.get("version", "v1.4"), label="Version",
                                  elem_id=f"{TAB}-version",
                                  info="v1.4: more detail; v1.3: more natural",
                                  visible=not ctx.backend.is_local)
            scale = gr.Slider(1, 4, value=float(init.get("scale", 2)), step=0.5,
                              label="Scale", info="Enlarge the whole photo by this much",
                              elem_id=f"{TAB}-scale")
            run_btn, cancel_btn = widgets.run_buttons(TAB, "Restore faces")
        with gr.Column(scale=3, min_width=360):
            slider = gr.ImageSlider(label="Before / after", type="filepath", format="png",
                                    interactive=False, elem_id=f"{TAB}-output", height=420,
                                    buttons=["fullscreen"])
            download = gr.DownloadButton("Download", visible=False, elem_id=f"{TAB}-download")
            panel = run_panel(TAB)
    widgets.check_on_upload(ctx, image, panel.status, "the photo", TAB)
    widgets.wire_preset(ctx, TAB, TASK, preset, about, {"version": version, "scale": scale})

    view = ImageView(panel, slider, download)
    widgets.reopen_image_tab(ctx, TAB, view, image)
    wire_run(ctx, TAB, panel, run_btn, cancel_btn, bind(restore, ctx, view),
             inputs=[image, version, scale, preset], outputs=[slider, download],
             progress_on=[slider], preprocess=False, stale=widgets.stale_image(view))


async def restore(ctx: AppContext, view: ImageView, image: Any, version: str, scale: float,
                  preset: str | None, token: str | None = None,
                  request: gr.Request | None = None, progress: gr.Progress = PROGRESS) -> Any:
    """Restore faces: the photo with its faces repaired, before and after."""
    image_path = path_of(image)
    run = Run(ctx, TAB, request, token, progress)

    async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
        path = require_file(image_path, "The photo", IMAGE_HINT,
                            ctx.max_upload_bytes, image=True)
        value = int(scale) if float(scale).is_integer() else float(scale)
        return await ctx.service.restore_faces(
            str(path), version=version, scale=value, preset=widgets.preset_value(preset),
            token=token, on_update=on_update, caller=caller,
        )

    async for update in run.execute(call, view.panel):
        yield update
    if run.result is None:
        return
    yield widgets.image_result_updates(run, view, image_path)
