"""Helpers shared by the local models: weight checks, load logging, image I/O."""

from __future__ import annotations

import ctypes
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from playground.engine import model_store

from .base import ModelUnavailable, PredictContext

# Neither libvulkan nor libomp ships in a wheel; Debian has both.
SYSTEM_LIBS = {"libvulkan.so.1": "libvulkan1", "libomp.so.5": "libomp5"}
_libs_ok = False


def missing_weights(store_name: str, *files: str) -> str | None:
    """None when the store entry is pulled and holds `files`; otherwise the fix. It names no
    server path: callers of the API see it (the owner finds the folder with `models list`)."""
    root = model_store.path_for(store_name)
    if not model_store.is_ready(store_name) or not all((root / f).is_file() for f in files):
        return (
            f"the {store_name} weights are not pulled: run `playground models pull {store_name}` "
            "(`playground models list` shows where they go)"
        )
    return None


def missing_system_libs() -> str | None:
    """None when the native libraries the ncnn runtime links are loadable; else the fix."""
    global _libs_ok
    if _libs_ok:
        return None
    missing = []
    for lib, pkg in SYSTEM_LIBS.items():
        try:
            ctypes.CDLL(lib)
        except OSError:
            missing.append(pkg)
    if missing:
        return (
            "system libraries missing for the Real-ESRGAN ncnn runtime: "
            f"run `apt-get install -y --no-install-recommends {' '.join(missing)}`"
        )
    _libs_ok = True
    return None


def require(reason: str | None) -> None:
    if reason:
        raise ModelUnavailable(reason)


@contextmanager
def loading(ctx: PredictContext, what: str, where: Path | str) -> Iterator[None]:
    """Log "loading WHAT from WHERE" and how long it took."""
    ctx.log(f"loading {what} from {where}")
    start = time.perf_counter()
    yield
    ctx.log(f"loaded {what} in {time.perf_counter() - start:.2f} s")


MAX_PIXELS = 25_000_000  # 25 MP (a 6000x4000 photo); decoded RGBA is 100 MB


def check_pixels(width: int, height: int, limit: int = MAX_PIXELS) -> None:
    if width * height > limit:
        raise ValueError(
            f"the input image is {width}x{height} ({width * height / 1e6:.1f} MP); this model "
            f"takes at most {limit / 1e6:.0f} MP: resize it first"
        )


def open_image(path: Path, check_size: Callable[[int, int], None] = check_pixels) -> Image.Image:
    """Open an input image upright (EXIF orientation applied), fully decoded. `check_size`
    sees the dimensions from the header first: a small file can declare a huge image, and
    decoding it would take gigabytes before any later check."""
    try:
        img = Image.open(path)  # reads the header only
    except Image.DecompressionBombError:
        raise ValueError("the input image is far too large (more than 178 MP): resize it first"
                         ) from None
    except Exception as exc:  # PIL raises several types for unreadable files
        raise _unreadable(exc, path) from None
    check_size(*img.size)
    try:
        img = ImageOps.exif_transpose(img)
        img.load()
    except Exception as exc:
        raise _unreadable(exc, path) from None
    return img


def _unreadable(exc: Exception, path: Path) -> ValueError:
    # PIL names our internal scratch path; the user needs the reason, not the path.
    detail = str(exc).replace(f" '{path}'", "").replace(str(path), "the file")
    return ValueError(f"cannot read the input as an image: {detail}")


def split_alpha(img: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """RGB uint8 array and the alpha channel (None when the image has no transparency)."""
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    if has_alpha:
        rgba = np.asarray(img.convert("RGBA"))
        return np.ascontiguousarray(rgba[..., :3]), rgba[..., 3]
    return np.asarray(img.convert("RGB")), None


def save_png(rgb: np.ndarray, alpha: np.ndarray | None, path: Path) -> Path:
    if alpha is None:
        Image.fromarray(rgb, "RGB").save(path, "PNG")
    else:
        Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(path, "PNG")
    return path
