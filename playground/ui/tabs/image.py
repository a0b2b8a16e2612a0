"""Image tab: text-to-image with SDXL; gallery of results, seed shown for repeatable runs."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import partial
from typing import Any

import gradio as gr

from playground.results import Failure, RunResult
from playground.service import Caller, OnUpdate, errors
from playground.tasks import by_module
from playground.ui.context import AppContext
from playground.ui.kit import widgets
from playground.ui.kit.runner import (
    PROGRESS,
    Run,
    RunPanel,
    bind,
    details_markdown,
    pill,
    run_panel,
    wire_run,
)

ROW = by_module(__name__)  # this tab's row of the task table
TAB, TASK = ROW.tab, ROW.id  # "image", "image"
SCHEDULERS = ["K_EULER", "K_EULER_ANCESTRAL", "DDIM", "DPMSolverMultistep", "HeunDiscrete",
              "KarrasDPM", "PNDM"]
# SDXL's native sizes (about one megapixel, multiples of 8).
ASPECTS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024), "4:3": (1152, 896), "3:4": (896, 1152), "3:2": (1216, 832),
    "2:3": (832, 1216), "16:9": (1344, 768), "9:16": (768, 1344),
}
MAX_SEED = 2**32 - 1
_SEED_LOG = re.compile(r"(?i)using seed:?\s*(\d+)")
# The title messages.py gives the local engine's "no diffusion weights" failure: expected here.
UNAVAILABLE_TITLE = "Not available offline"
# Said the same way before a run (the note) and after one (the status); the engine's own,
# technical reason goes to the Logs box for developers.
# Offline the page has no token box (the local engine uses no token): the way to pictures is
# to start the playground with a token, and the page's Details say how.
OFFLINE_TEXT = (
    "Making pictures needs Replicate's cloud: no image model runs on this computer. To make "
    "pictures with SDXL, start the playground again with a Replicate API token (how: "
    "**Details**, at the top of the page)."
)
OFFLINE_NOTE = f"{pill('warn', UNAVAILABLE_TITLE)} {OFFLINE_TEXT}"


@dataclass
class ImageTabView:
    """What a generation fills in."""

    panel: RunPanel
    gallery: gr.Gallery
    seed: gr.Number


def build(ctx: AppContext) -> None:
    widgets.intro("Describe a picture and **SDXL** paints it. " + (
        "**Not available offline:** this tab needs Replicate's cloud (see under Generate)."
        if ctx.backend.is_local else
        "Press **Ctrl+Enter** (⌘+Enter on a Mac) in the prompt to generate."))
    init = widgets.initial(ctx, TASK)
    _, default_preset = ctx.presets.choices(TASK)
    ratios = ctx.presets.aspect_ratios(TASK, default_preset) or ASPECTS
    w0, h0 = int(init.get("width", 1024)), int(init.get("height", 1024))
    first_ratio = next((k for k, v in ratios.items() if tuple(v) == (w0, h0)), None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            preset, about = widgets.preset_picker(ctx, TAB, TASK)
            prompt = gr.Textbox(label="Prompt", lines=3, elem_id=f"{TAB}-prompt",
                                value="An astronaut riding a rainbow unicorn, cinematic, dramatic")
            negative = gr.Textbox(init.get("negative_prompt", ""), label="Negative prompt",
                                  lines=1, elem_id=f"{TAB}-negative",
                                  placeholder="What to keep out of the picture (optional)")
            aspect = gr.Radio(list(ratios), value=first_ratio, label="Aspect ratio",
                              elem_id=f"{TAB}-aspect")
            with gr.Row():
                width = gr.Slider(256, 2048, value=w0, step=8, label="Width",
                                  elem_id=f"{TAB}-width")
                height = gr.Slider(256, 2048, value=h0, step=8, label="Height",
                                   elem_id=f"{TAB}-height")
            num = gr.Slider(1, 4, value=int(init.get("num_outputs", 1)), step=1,
                            label="Number of images",
                            elem_id=f"{TAB}-num-outputs")
            with gr.Accordion("Advanced", open=False, elem_id=f"{TAB}-advanced"):
                scheduler = gr.Dropdown(SCHEDULERS, value=init.get("scheduler", "K_EULER"),
                                        label="Scheduler", elem_id=f"{TAB}-scheduler")
                steps = gr.Slider(1, 100, value=int(init.get("num_inference_steps", 30)), step=1,
                                  label="Steps", info="More steps: finer detail, slower",
                                  elem_id=f"{TAB}-steps")
                guidance = gr.Slider(0, 20, value=float(init.get("guidance_scale", 7.5)),
                                     step=0.5, label="Guidance",
                                     info="How closely to follow the prompt",
                                     elem_id=f"{TAB}-guidance")
                with gr.Row(equal_height=True):
                    seed_box = gr.Number(0, precision=0, minimum=0, maximum=MAX_SEED, label="Seed",
                                     elem_id=f"{TAB}-seed")
                    randomize = gr.Checkbox(True, label="Randomize seed",
                                            elem_id=f"{TAB}-randomize")
            # Offline Generate is off, and the reason is right under it, before anyone clicks.
            run_btn, cancel_btn = widgets.run_buttons(TAB, "Generate",
                                                      enabled=not ctx.backend.is_local)
            if ctx.backend.is_local:
                gr.Markdown(OFFLINE_NOTE, elem_id=f"{TAB}-offline-note",
                            elem_classes=["unavailable-note"])
        with gr.Column(scale=3, min_width=360):
            gallery = gr.Gallery(label="Images", elem_id=f"{TAB}-output", columns=2, height=480,
                                 object_fit="contain", buttons=["download", "fullscreen"],
                                 interactive=False)
            panel = run_panel(TAB)

    def pick_aspect(choice: str) -> tuple[int, int]:
        w, h = ratios.get(choice, (w0, h0))
        return int(w), int(h)

    aspect.change(pick_aspect, inputs=[aspect], outputs=[width, height],
                  api_name=f"{TAB}_aspect", show_progress="hidden")
    widgets.wire_preset(ctx, TAB, TASK, preset, about, {
        "prompt": prompt, "negative_prompt": negative, "width": width, "height": height,
        "num_outputs": num, "scheduler": scheduler, "num_inference_steps": steps,
        "guidance_scale": guidance,
    })

    view = ImageTabView(panel, gallery, seed_box)
    # a saved run comes back with its seed fixed, so running it again repeats it
    ctx.reopen.add(TAB, {"seed": seed_box}, extras={randomize: False})
    ctx.reopen.shows(TAB, [gallery, seed_box, *panel.outputs], partial(_shows, view),
                     panel.status)
    event = wire_run(ctx, TAB, panel, run_btn, cancel_btn, bind(generate, ctx, view),
                     inputs=[prompt, negative, width, height, num, scheduler, steps, guidance,
                             seed_box, randomize, preset],
                     outputs=[gallery, seed_box], progress_on=[gallery])
    # Then open the first new image: in the grid a square 1024 px picture would not fit the
    # gallery's fixed height without scrolling; the preview shows it whole, thumbnails below.
    # A separate private step, so the `/image` API still returns a plain list of images.
    event.success(_open_first, inputs=[gallery], outputs=[gallery], preprocess=False,
                  api_visibility="private", show_progress="hidden", queue=False)


async def generate(ctx: AppContext, view: ImageTabView, prompt: str, negative_prompt: str,
                   width: float, height: float,
                   num_outputs: float, scheduler: str, num_inference_steps: float,
                   guidance_scale: float, seed: float | None, randomize_seed: bool,
                   preset: str | None, token: str | None = None,
                   request: gr.Request | None = None,
                   progress: gr.Progress = PROGRESS) -> Any:
    """Generate: the images, and the seed that made them (to repeat a run)."""
    # a seed drawn at random is never answered from the history
    run = Run(ctx, TAB, request, token, progress,
              seed_chosen=not (randomize_seed or seed is None))
    used_seed = random.randint(0, MAX_SEED) if randomize_seed or seed is None \
        else int(seed)

    async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
        if not (prompt or "").strip():
            raise errors.MissingInput("The prompt", "Describe the picture you want first.")
        return await ctx.service.generate_image(
            prompt.strip(), negative_prompt=negative_prompt or "",
            width=_multiple_of_8(width), height=_multiple_of_8(height),
            num_outputs=int(num_outputs), scheduler=scheduler,
            num_inference_steps=int(num_inference_steps),
            guidance_scale=float(guidance_scale), seed=used_seed,
            preset=widgets.preset_value(preset), token=token, on_update=on_update,
            caller=caller,
        )

    try:
        async for update in run.execute(call, view.panel):
            yield update
    except gr.Error as exc:
        # Offline this is the expected answer: said once, in plain words, in the status line
        # (no toast, no error badge); the engine's reason goes to the logs.
        unavailable = run.failure is not None and run.failure.failure is Failure.UNAVAILABLE
        if not (ctx.backend.is_local and unavailable):
            raise
        yield {view.panel.status: OFFLINE_NOTE, view.panel.logs: exc.message}
        return
    if run.result is None:
        return
    yield _result_updates(view, run, _seed_from_logs(run.result.logs) or used_seed)


def _result_updates(view: ImageTabView, run: Run, seed: int | None) -> dict[Any, Any]:
    assert run.result is not None
    images = [str(p) for p in run.result.files]
    count = f"{len(images)} image" + ("" if len(images) == 1 else "s")
    return {
        view.gallery: images,
        view.seed: seed,
        view.panel.status: run.done_status(f"{count}, seed {seed}."),
        view.panel.details: details_markdown(run.result, [f"**Seed used** {seed}"]),
    }


def _shows(view: ImageTabView, run: Run, values: dict[str, Any]) -> dict[Any, Any]:
    """A saved run shown again (a reload)."""
    assert run.result is not None
    seed = values.get("seed")
    return _result_updates(view, run, _seed_from_logs(run.result.logs) or (
        seed if isinstance(seed, int) else None))


def _open_first(value: Any) -> Any:
    return gr.Gallery(selected_index=0) if value else gr.Gallery()


def _multiple_of_8(value: float) -> int:
    return max(8, int(round(float(value) / 8)) * 8)


def _seed_from_logs(logs: str) -> int | None:
    found = _SEED_LOG.findall(logs)
    return int(found[-1]) if found else None

