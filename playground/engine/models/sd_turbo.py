"""local/sd-turbo: listed so the text-to-image tab can say why it cannot run locally.

No PyPI package carries diffusion weights and the model hub is out of reach, so this model is
always unavailable. It never fakes an image.
"""

from __future__ import annotations

from pathlib import Path
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
    """stability-ai/sdxl's input names (its types, enums and ranges for the ones only SDXL uses)
    in its order, so one preset form and one set of defaults serve both; the common size and
    step ranges are SD-Turbo's."""

    prompt: str = _f(0, "Input prompt", default="An astronaut riding a rainbow unicorn")
    negative_prompt: str = _f(1, "Input Negative Prompt", default="")
    image: Path | None = _f(2, "Input image for img2img or inpaint mode", default=None)
    mask: Path | None = _f(
        3,
        "Input mask for inpaint mode. Black areas will be preserved, white areas will be "
        "inpainted.",
        default=None,
    )
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
    prompt_strength: float = _f(
        10,
        "Prompt strength when using img2img / inpaint. 1.0 corresponds to full destruction of "
        "information in image",
        default=0.8, ge=0, le=1,
    )
    seed: int | None = _f(11, "Random seed. Leave blank to randomize the seed", default=None)
    refine: Literal["no_refiner", "expert_ensemble_refiner", "base_image_refiner"] = _f(
        12, "Which refine style to use", default="no_refiner")
    high_noise_frac: float = _f(
        13, "For expert_ensemble_refiner, the fraction of noise to use", default=0.8, ge=0, le=1)
    refine_steps: int | None = _f(
        14,
        "For base_image_refiner, the number of steps to refine, defaults to num_inference_steps",
        default=None,
    )
    apply_watermark: bool = _f(
        15,
        "Applies a watermark to enable determining if an image is generated in downstream "
        "applications. If you have other provisions for generating or deploying images safely, "
        "you can use this to disable watermarking.",
        default=True,
    )
    lora_scale: float = _f(
        16, "LoRA additive scale. Only applicable on trained models.", default=0.6, ge=0, le=1)
    replicate_weights: str | None = _f(
        17, "Replicate LoRA weights to use. Leave blank to use the default weights.",
        default=None,
    )
    disable_safety_checker: bool = _f(
        18,
        "Disable safety checker for generated images. This feature is only available through "
        "the API. See https://replicate.com/docs/how-does-replicate-work#safety",
        default=False,
    )


class SDTurbo(EngineModel):
    name = "sd-turbo"
    description = (
        "Text-to-image placeholder for stability-ai/sdxl. Not available offline: no installable "
        "package carries diffusion weights."
    )
    stands_in_for = "stability-ai/sdxl"
    title = "SD-Turbo"
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
