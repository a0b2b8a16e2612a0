"""local/face-enhance: sharpen faces with Real-ESRGAN. NOT GFPGAN: there is no face model.

Stands in for tencentarc/gfpgan (same inputs: `img`, `version`, `scale`; a PNG output) because
no package carries GFPGAN, CodeFormer or similar weights. Faces are found with OpenCV's Haar
cascade, each face crop is upscaled by Real-ESRGAN and blended back with a feathered edge into
the whole image, which is itself only resized by `scale` (the face pass is in `_faces`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import cv2
from pydantic import BaseModel, Field

from . import _esrgan
from ._common import open_image, save_png, split_alpha
from ._faces import detect_faces, enhance_faces, feather_mask
from .base import PredictContext

__all__ = ["FaceEnhance", "Input", "detect_faces", "feather_mask"]


class Input(BaseModel):
    img: Path = Field(description="Input", json_schema_extra={"x-order": 0})
    version: Literal["v1.2", "v1.3", "v1.4", "RestoreFormer"] = Field(
        default="v1.4",
        description="GFPGAN version. Accepted for compatibility and ignored: this local model "
        "has no GFPGAN weights.",
        json_schema_extra={"x-order": 1},
    )
    scale: float = Field(
        default=2, gt=0, le=8, description="Rescaling factor", json_schema_extra={"x-order": 2}
    )


class FaceEnhance(_esrgan.EsrganModel):
    name = "face-enhance"
    description = (
        "NOT GFPGAN: a local stand-in for tencentarc/gfpgan without any face-restoration "
        "model. Finds faces with OpenCV Haar cascades and sharpens each one with Real-ESRGAN; "
        "the rest of the image is only resized. It cannot restore damaged or blurred faces."
    )
    stands_in_for = "tencentarc/gfpgan"
    title = "face detection + Real-ESRGAN"
    caveat = "sharpens faces; no GFPGAN weights"
    Input = Input
    output_schema = {"type": "string", "title": "Output", "format": "uri"}

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Path:
        assert isinstance(inputs, Input)
        ctx.log(
            f"version={inputs.version} is ignored: this is not GFPGAN, it has no face model "
            "(faces are sharpened with Real-ESRGAN)"
        )
        img = open_image(inputs.img, lambda w, h: _esrgan.check_size(w, h, inputs.scale))
        w, h = img.size
        rgb, alpha = split_alpha(img)
        size = _esrgan.out_size(w, h, inputs.scale)
        interp = cv2.INTER_CUBIC if inputs.scale >= 1 else cv2.INTER_AREA
        result = enhance_faces(rgb, cv2.resize(rgb, size, interpolation=interp),
                               self._upscaler, ctx)
        if alpha is not None:
            alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR)
        return save_png(result, alpha, ctx.workdir / "output.png")
