"""local/sd-turbo: listed so the text-to-image tab can say why it cannot run locally.

No PyPI package carries diffusion weights and the model hub is out of reach, so this model is
always unavailable. It never fakes an image.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .base import EngineModel, ModelUnavailable, PredictContext

REASON = (
    "text-to-image is not available locally: no PyPI package carries diffusion weights "
    "(e.g. stabilityai/sd-turbo), and this machine cannot reach the model hub. To make images, "
    "use a Replicate model such as stability-ai/sdxl with a REPLICATE_API_TOKEN."
)


def _f(order: int, description: str, **kw: Any) -> Any:
    return Field(description=description, json_schema_extra={"x-order": order}, **kw)


class Input(BaseModel):
    """The common part of stability-ai/sdxl's inputs, so one preset form serves both."""

    prompt: str = _f(0, "Input prompt", default="An astronaut riding a rainbow unicorn")
    negative_prompt: str = _f(1, "Input Negative Prompt", default="")
    width: int = _f(4, "Width of output image", default=512, ge=64, le=1024)
    height: int = _f(5, "Height of output image", default=512, ge=64, le=1024)
    num_outputs: int = _f(6, "Number of images to output.", default=1, ge=1, le=4)
    scheduler: Literal[
        "DDIM",
        "DPMSolverMultistep",
        "HeunDiscrete",
        "KarrasDPM",
        "K_EULER_ANCESTRAL",
        "K_EULER",
        "PNDM",
    ] = _f(7, "scheduler", default="K_EULER")
    num_inference_steps: int = _f(8, "Number of denoising steps", default=1, ge=1, le=50)
    guidance_scale: float = _f(9, "Scale for classifier-free guidance", default=0, ge=0, le=50)
    seed: int | None = _f(11, "Random seed. Leave blank to randomize the seed", default=None)


class SDTurbo(EngineModel):
    name = "sd-turbo"
    description = (
        "Text-to-image placeholder for stability-ai/sdxl. Unavailable offline: no PyPI package "
        "carries diffusion weights."
    )
    stands_in_for = "stability-ai/sdxl"
    Input = Input
    output_schema = {
        "type": "array",
        "items": {"type": "string", "format": "uri"},
        "title": "Output",
    }

    def availability(self) -> str | None:
        return REASON

    def load(self, ctx: PredictContext) -> None:
        raise ModelUnavailable(REASON)

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Any:
        raise ModelUnavailable(REASON)
