"""Local Real-ESRGAN at full size: seconds per input megapixel, and what the Upscale tab estimates.

    .venv/bin/python bench/upscale_speed.py [SIZE ...]      e.g. 640x400 1600x1200 4000x3000

Each SIZE (default 640x400 and 1600x1200) is the astronaut resized, upscaled 2x through the
engine's model in-process (`predict`: tiles, the resize to the exact size and the PNG save), after
one warm-up that loads the net. Printed: the time, the rate per input megapixel, and the Upscale
tab's estimate for that size (playground/ui/tabs/upscale_size.py), so the ratio says whether the
estimate still holds on this machine.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from skimage import data

from playground.engine.models import real_esrgan
from playground.engine.models.base import PredictContext
from playground.ui.tabs.upscale_size import seconds_for


def _size(text: str) -> tuple[int, int]:
    w, _, h = text.partition("x")
    return int(w), int(h)


def main(argv: list[str]) -> None:
    sizes = [_size(a) for a in argv] or [(640, 400), (1600, 1200)]
    model = real_esrgan.RealESRGAN()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ctx = PredictContext(folder / "work", lambda _line: None)
        model.load(ctx)
        warm = folder / "warm.png"
        Image.fromarray(data.astronaut()).resize((200, 200)).save(warm)
        model.predict(real_esrgan.Input(image=warm, scale=2), ctx)
        print("| input | output | time | s per input MP | the tab's estimate | estimate / time |")
        print("| --- | --- | --- | --- | --- | --- |")
        for w, h in sizes:
            src = folder / f"in-{w}x{h}.png"
            Image.fromarray(data.astronaut()).resize((w, h), Image.Resampling.LANCZOS).save(src)
            ctx = PredictContext(folder / f"work-{w}x{h}", lambda _line: None)
            started = time.perf_counter()
            model.predict(real_esrgan.Input(image=src, scale=2), ctx)
            took = time.perf_counter() - started
            estimate = seconds_for((w, h))
            print(f"| {w}x{h} | {2 * w}x{2 * h} | {took:.1f} s | {took / (w * h / 1e6):.1f} | "
                  f"{estimate:.0f} s | {estimate / took:.2f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
