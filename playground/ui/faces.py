"""Restore faces tab: GFPGAN repairs blurry or damaged faces; before/after slider."""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.ui import widgets
from playground.ui.context import AppContext
from playground.ui.inputs import check_image
from playground.ui.runner import (
    PROGRESS,
    Run,
    path_of,
    run_panel,
    wire_run,
)

TAB = "faces"
TASK = "faces"
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
            version = gr.Dropdown(VERSIONS, value=init.get("version", "v1.4"), label="Version",
                                  elem_id=f"{TAB}-version",
                                  info="v1.4: more detail; v1.3: more natural")
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

    async def restore(image_value: Any, ver: str, factor: float, preset_name: str | None,
                      token_value: Any, request: gr.Request,
                      progress: gr.Progress = PROGRESS) -> Any:
        image_path = path_of(image_value)
        run = Run(ctx, TAB, panel, request, token_value, progress)

        async def call(token: str | None, on_update: Any) -> Any:
            path = check_image(image_path, "the photo", ctx.max_upload_bytes)
            value = int(factor) if float(factor).is_integer() else float(factor)
            return await ctx.service.restore_faces(
                str(path), version=ver, scale=value, preset=widgets.preset_value(preset_name),
                token=token, on_update=on_update,
            )

        async for update in run.execute(call):
            yield update
        if run.result is None:
            return
        yield widgets.image_result_updates(run, panel, image_path, slider, download)

    wire_run(ctx, TAB, panel, run_btn, cancel_btn, restore,
             inputs=[image, version, scale, preset], outputs=[slider, download],
             progress_on=[slider], preprocess=False)


if __name__ == "__main__":
    from playground.ui.app import main_for

    main_for(TAB)
