"""local/real-esrgan: Real-ESRGAN upscaling on the CPU through ncnn.

Stands in for nightmareai/real-esrgan: same inputs (`image`, `scale`, `face_enhance`) and a
PNG output. The net (x4plus for small inputs, the compact animevideov3 x2/x3/x4 otherwise)
runs tile by tile, then the result is resized to exactly `scale` times the input.
"""

from __future__ import annotations

from pathlib import Path

import cv2
from pydantic import BaseModel, Field

from . import _esrgan
from ._common import open_image, require, save_png, split_alpha
from .base import EngineModel, PredictContext


class Input(BaseModel):
    image: Path = Field(description="Input image", json_schema_extra={"x-order": 0})
    scale: float = Field(
        default=4,
        ge=0,
        le=10,
        description="Factor to scale image by",
        json_schema_extra={"x-order": 1},
    )
    face_enhance: bool = Field(
        default=False,
        description="Run GFPGAN face enhancement along with upscaling (approximated locally: "
        "no GFPGAN weights are available offline, faces are upscaled like the rest)",
        json_schema_extra={"x-order": 2},
    )


class RealESRGAN(EngineModel):
    name = "real-esrgan"
    description = (
        "Real-ESRGAN (ncnn, CPU) image upscaling, a local stand-in for nightmareai/real-esrgan. "
        "Small inputs use RealESRGAN_x4plus, larger ones the fast animevideov3 nets."
    )
    stands_in_for = "nightmareai/real-esrgan"
    Input = Input
    output_schema = {"type": "string", "title": "Output", "format": "uri"}

    def __init__(self) -> None:
        self._upscaler = _esrgan.Upscaler()

    def availability(self) -> str | None:
        return _esrgan.availability()

    def load(self, ctx: PredictContext) -> None:
        require(self.availability())
        # The nets load lazily per size class; loading the runtime now surfaces link errors.
        self._upscaler.net(_esrgan.ANIMEVIDEO[2], ctx)

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Path:
        assert isinstance(inputs, Input)
        img = open_image(inputs.image)
        w, h = img.size
        _esrgan.check_size(w, h, inputs.scale)
        if inputs.face_enhance:
            ctx.log(
                "face_enhance: GFPGAN is not available offline; faces are upscaled by "
                "Real-ESRGAN with the rest of the image (approximated)"
            )
        rgb, alpha = split_alpha(img)
        size = _esrgan.out_size(w, h, inputs.scale)
        out = self._upscaler.upscale(rgb, size, ctx)
        if alpha is not None:
            alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR)
        return save_png(out, alpha, ctx.workdir / "output.png")
