"""local/face-enhance: sharpen faces with Real-ESRGAN. NOT GFPGAN: there is no face model.

Stands in for tencentarc/gfpgan (same inputs: `img`, `version`, `scale`; a PNG output) because
no package carries GFPGAN, CodeFormer or similar weights. Faces are found with OpenCV's Haar
cascade, each face crop is upscaled by Real-ESRGAN and blended back with a feathered edge into
the whole image, which is itself only resized by `scale`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, Field

from . import _esrgan
from ._common import open_image, require, save_png, split_alpha
from .base import EngineModel, PredictContext

CASCADE = "haarcascade_frontalface_default.xml"
MARGIN = 0.3  # context kept around each detected face, as a fraction of its size


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


def detect_faces(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Frontal faces as (x, y, w, h), largest first."""
    path = Path(cv2.data.haarcascades) / CASCADE
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise RuntimeError(f"cannot load the OpenCV Haar cascade {path}")
    gray = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    side = max(24, min(gray.shape) // 16)
    found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(side, side))
    boxes = [tuple(int(v) for v in f) for f in found]
    return sorted(boxes, key=lambda b: -b[2] * b[3])  # type: ignore[return-value]


def feather_mask(w: int, h: int) -> np.ndarray:
    """1 inside, fading to 0 at the border, so a pasted crop leaves no seam."""
    edge = max(2, min(w, h) // 6)
    mask = np.zeros((h, w), np.float32)
    mask[edge : -edge or None, edge : -edge or None] = 1.0
    k = 2 * edge + 1
    return cv2.GaussianBlur(mask, (k, k), 0)[..., None]


class FaceEnhance(EngineModel):
    name = "face-enhance"
    description = (
        "NOT GFPGAN: a local stand-in for tencentarc/gfpgan without any face-restoration "
        "model. Finds faces with OpenCV Haar cascades and sharpens each one with Real-ESRGAN; "
        "the rest of the image is only resized. It cannot restore damaged or blurred faces."
    )
    stands_in_for = "tencentarc/gfpgan"
    Input = Input
    output_schema = {"type": "string", "title": "Output", "format": "uri"}

    def __init__(self) -> None:
        self._upscaler = _esrgan.Upscaler()

    def availability(self) -> str | None:
        return _esrgan.availability()

    def load(self, ctx: PredictContext) -> None:
        require(self.availability())
        self._upscaler.net(_esrgan.ANIMEVIDEO[2], ctx)

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Path:
        assert isinstance(inputs, Input)
        ctx.log(
            f"version={inputs.version} is ignored: this is not GFPGAN, it has no face model "
            "(faces are sharpened with Real-ESRGAN)"
        )
        img = open_image(inputs.img)
        w, h = img.size
        _esrgan.check_size(w, h, inputs.scale)
        rgb, alpha = split_alpha(img)
        size = _esrgan.out_size(w, h, inputs.scale)
        sx, sy = size[0] / w, size[1] / h
        interp = cv2.INTER_CUBIC if inputs.scale >= 1 else cv2.INTER_AREA
        out = cv2.resize(rgb, size, interpolation=interp).astype(np.float32)
        faces = detect_faces(rgb)
        if not faces:
            ctx.log("no face found: the image is only resized, nothing was enhanced")
        else:
            ctx.log(f"found {len(faces)} face(s)")
        for i, (fx, fy, fw, fh) in enumerate(faces):
            ctx.check()
            mx, my = int(fw * MARGIN), int(fh * MARGIN)
            x0, y0 = max(0, fx - mx), max(0, fy - my)
            x1, y1 = min(w, fx + fw + mx), min(h, fy + fh + my)
            ox0, oy0 = round(x0 * sx), round(y0 * sy)
            ox1, oy1 = min(size[0], round(x1 * sx)), min(size[1], round(y1 * sy))
            crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
            enhanced = self._upscaler.upscale(
                crop, (ox1 - ox0, oy1 - oy0), ctx, prefer_fast=True, desc=f"face {i + 1}"
            ).astype(np.float32)
            mask = feather_mask(ox1 - ox0, oy1 - oy0)
            region = out[oy0:oy1, ox0:ox1]
            out[oy0:oy1, ox0:ox1] = mask * enhanced + (1 - mask) * region
        if alpha is not None:
            alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR)
        result = np.clip(out + 0.5, 0, 255).astype(np.uint8)
        return save_png(result, alpha, ctx.workdir / "output.png")
