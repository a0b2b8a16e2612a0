"""local/real-esrgan: Real-ESRGAN upscaling on the CPU through ncnn.

Stands in for nightmareai/real-esrgan: same inputs (`image`, `scale`, `face_enhance`) and a
PNG output. The net (x4plus for small inputs, the compact animevideov3 x2/x3/x4 otherwise)
runs tile by tile, then the result is resized to exactly `scale` times the input. With
`face_enhance` (GFPGAN upstream; no GFPGAN weights offline) the face pass of local/face-enhance
runs on the result: each face crop is upscaled again with a x4 net, shrunk and blended in.
"""

from __future__ import annotations

from pathlib import Path

import cv2
from pydantic import BaseModel, Field

from . import _esrgan
from ._common import open_image, save_png, split_alpha
from ._faces import enhance_faces
from .base import PredictContext


class Input(BaseModel):
    image: Path = Field(description="Input image", json_schema_extra={"x-order": 0})
    # More than 0 (nightmareai/real-esrgan says minimum 0, but no picture has a size 0 times
    # its own: that model fails on it too).
    scale: float = Field(
        default=4,
        gt=0,
        le=10,
        description="Factor to scale image by",
        json_schema_extra={"x-order": 1},
    )
    face_enhance: bool = Field(
        default=False,
        description="Run GFPGAN face enhancement along with upscaling (approximated locally: "
        "no GFPGAN weights are available offline, detected faces are upscaled again by "
        "Real-ESRGAN's x4 net and blended in)",
        json_schema_extra={"x-order": 2},
    )


class RealESRGAN(_esrgan.EsrganModel):
    name = "real-esrgan"
    description = (
        "Real-ESRGAN (ncnn, CPU) image upscaling, a local stand-in for nightmareai/real-esrgan. "
        "Small inputs use RealESRGAN_x4plus, larger ones the fast animevideov3 nets."
    )
    stands_in_for = "nightmareai/real-esrgan"
    title = "Real-ESRGAN on the CPU"
    Input = Input
    output_schema = {"type": "string", "title": "Output", "format": "uri"}

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Path:
        assert isinstance(inputs, Input)
        img = open_image(inputs.image, lambda w, h: _esrgan.check_size(w, h, inputs.scale))
        w, h = img.size
        rgb, alpha = split_alpha(img)
        size = _esrgan.out_size(w, h, inputs.scale)
        out = self._upscaler.upscale(rgb, size, ctx)
        if inputs.face_enhance:
            ctx.log("face_enhance: GFPGAN is not available offline (approximated): detected "
                    "faces are upscaled again with a x4 Real-ESRGAN net and blended in")
            out = enhance_faces(rgb, out, self._upscaler, ctx, min_native=4)
        if alpha is not None:
            alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR)
        return save_png(out, alpha, ctx.workdir / "output.png")
