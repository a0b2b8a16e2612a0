"""The face pass shared by local/face-enhance and local/real-esrgan's `face_enhance`.

There is no face-restoration model offline (no GFPGAN weights): faces are found with OpenCV's
Haar cascade, each face crop of the source is upscaled by Real-ESRGAN and blended back with a
feathered edge into the full-size image.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ._esrgan import Upscaler
from .base import PredictContext

CASCADE = "haarcascade_frontalface_default.xml"
MARGIN = 0.3  # context kept around each detected face, as a fraction of its size


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


def enhance_faces(rgb: np.ndarray, base: np.ndarray, upscaler: Upscaler, ctx: PredictContext,
                  *, min_native: int = 2) -> np.ndarray:
    """Find faces in the source `rgb`, upscale each crop (with a net of at least `min_native`
    scale, then resized) and blend it into `base`, the full-size output; return it as uint8.
    Logs how many faces were found and enhanced."""
    h, w = rgb.shape[:2]
    size = (base.shape[1], base.shape[0])
    sx, sy = size[0] / w, size[1] / h
    out = base.astype(np.float32)
    faces = detect_faces(rgb)
    if not faces:
        ctx.log("no face found: no face was enhanced")
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
        enhanced = upscaler.upscale(
            crop, (ox1 - ox0, oy1 - oy0), ctx, prefer_fast=True, min_native=min_native,
            desc=f"face {i + 1}",
        ).astype(np.float32)
        mask = feather_mask(ox1 - ox0, oy1 - oy0)
        region = out[oy0:oy1, ox0:ox1]
        out[oy0:oy1, ox0:ox1] = mask * enhanced + (1 - mask) * region
    if faces:
        ctx.log(f"{len(faces)} face{'s' if len(faces) != 1 else ''} enhanced")
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
