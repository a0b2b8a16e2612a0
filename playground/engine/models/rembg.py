"""local/rembg: background removal with MODNet or U2-Net-p on onnxruntime.

Stands in for cjwbw/rembg: the same `image` input (plus a `model` choice) and a PNG whose
alpha channel is the predicted matte.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image
from pydantic import BaseModel, Field

from playground.engine import model_store

from ._common import loading, missing_weights, open_image, require
from .base import EngineModel, PredictContext

STORE = "rembg"
FILES = {"modnet": "modnet.onnx", "u2netp": "u2netp.onnx"}
MEAN, STD = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])


class Input(BaseModel):
    image: Path = Field(description="Input image", json_schema_extra={"x-order": 0})
    model: Literal["modnet", "u2netp"] = Field(
        default="modnet",
        description="Matting model: MODNet (portraits, soft edges) or U2-Net-p (any object)",
        json_schema_extra={"x-order": 1},
    )


def _modnet_size(w: int, h: int, ref: int = 512) -> tuple[int, int]:
    """MODNet works at about 512 px on the short side, in multiples of 32."""
    rw, rh = w, h
    if max(w, h) < ref or min(w, h) > ref:
        if w >= h:
            rh, rw = ref, int(w / h * ref)
        else:
            rw, rh = ref, int(h / w * ref)
    return max(32, rw - rw % 32), max(32, rh - rh % 32)


class Rembg(EngineModel):
    name = "rembg"
    description = (
        "Background removal with MODNet or U2-Net-p on onnxruntime (CPU), a local stand-in "
        "for cjwbw/rembg. Returns a PNG with an alpha matte."
    )
    stands_in_for = "cjwbw/rembg"
    title = "MODNet"
    Input = Input
    output_schema = {"type": "string", "title": "Output", "format": "uri"}

    def __init__(self) -> None:
        self._sessions: dict[str, Any] = {}

    def availability(self) -> str | None:
        return missing_weights(STORE, *FILES.values())

    def _session(self, which: str, ctx: PredictContext) -> Any:
        if which not in self._sessions:
            import onnxruntime as ort

            path = model_store.path_for(STORE) / FILES[which]
            with loading(ctx, f"{which} (onnxruntime, CPU)", path):
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = min(4, os.cpu_count() or 1)
                # No arena: onnxruntime's arena keeps the largest run's tensors for the
                # session's life and grows with each new image size (100 MiB a run, then
                # more); without it they are freed after each run (engine/memory.py).
                opts.enable_cpu_mem_arena = False
                self._sessions[which] = ort.InferenceSession(
                    str(path), sess_options=opts, providers=["CPUExecutionProvider"]
                )
        return self._sessions[which]

    def load(self, ctx: PredictContext) -> None:
        require(self.availability())
        self._session("modnet", ctx)

    def unload(self) -> bool:
        self._sessions.clear()
        return True

    def matte(self, img: Image.Image, which: str, ctx: PredictContext) -> np.ndarray:
        """The alpha matte (uint8, the image's size)."""
        rgb = img.convert("RGB")
        session = self._session(which, ctx)
        if which == "modnet":
            size = _modnet_size(*rgb.size)
            x = np.asarray(rgb.resize(size, Image.Resampling.BICUBIC), np.float32) - 127.5
            x /= 127.5
        else:
            size = (320, 320)
            a = np.asarray(rgb.resize(size, Image.Resampling.BICUBIC), np.float64)
            x = ((a / max(a.max(), 1e-6) - MEAN) / STD).astype(np.float32)
        feed = {session.get_inputs()[0].name: x.transpose(2, 0, 1)[None]}
        pred = session.run(None, feed)[0][0, 0]
        if which == "u2netp":  # its output is not calibrated: stretch to [0, 1]
            pred = (pred - pred.min()) / max(float(pred.max() - pred.min()), 1e-6)
        mask = Image.fromarray((np.clip(pred, 0, 1) * 255).astype(np.uint8))
        return np.asarray(mask.resize(rgb.size, Image.Resampling.BICUBIC))

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Path:
        assert isinstance(inputs, Input)
        img = open_image(inputs.image)
        ctx.log(f"removing the background of a {img.width}x{img.height} image with {inputs.model}")
        alpha = self.matte(img, inputs.model, ctx)
        if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
            # Keep what was already transparent transparent.
            alpha = np.minimum(alpha, np.asarray(img.convert("RGBA"))[..., 3])
        rgba = np.dstack([np.asarray(img.convert("RGB")), alpha])
        out = ctx.workdir / "output.png"
        Image.fromarray(rgba, "RGBA").save(out, "PNG")
        return out
