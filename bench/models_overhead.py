"""Raw in-process timings of the local models' runtimes (no engine, no HTTP).

    .venv/bin/python bench/models_overhead.py

Prints load times, chat tokens/s, Whisper's real-time factor and seconds per image, to compare
later with the same work through the engine's HTTP API.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from PIL import Image  # noqa: E402
from skimage import data  # noqa: E402

from playground.engine import model_store  # noqa: E402
from playground.engine.models import face_enhance, real_esrgan, rembg, smollm2, whisper  # noqa: E402
from playground.engine.models.base import PredictContext  # noqa: E402

RUNS = 3


def ctx(workdir: Path) -> PredictContext:
    workdir.mkdir(parents=True, exist_ok=True)
    return PredictContext(workdir=workdir, log=lambda _line: None)


def best(fn: Callable[..., Any], *args: Any) -> float:
    """The fastest of RUNS calls (the least disturbed by other work on the machine)."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    model_store.pull()
    tmp = Path(tempfile.mkdtemp(prefix="bench-models-"))
    c = ctx(tmp / "w")
    astronaut = tmp / "astronaut.png"
    Image.fromarray(data.astronaut()).save(astronaut)
    speech = tmp / "speech.wav"
    text = "The quick brown fox jumps over the lazy dog. " * 4
    subprocess.run(["espeak-ng", "-w", str(speech), text], check=True)
    with wave.open(str(speech)) as w:
        audio_s = w.getnframes() / w.getframerate()

    rows: list[tuple[str, str]] = []
    for cls in (smollm2.SmolLM2, whisper.WhisperTinyEn, real_esrgan.RealESRGAN, rembg.Rembg,
                face_enhance.FaceEnhance):  # fmt: skip
        model = cls()
        start = time.perf_counter()
        model.load(c)
        rows.append((f"{model.name} load", f"{time.perf_counter() - start:.2f} s"))

        if isinstance(model, smollm2.SmolLM2):
            inp = smollm2.Input(prompt="Tell me about the sea.", max_tokens=128, temperature=0)
            start = time.perf_counter()
            stream = iter(model.predict(inp, c))
            next(stream)
            first = time.perf_counter() - start
            n = 1 + sum(1 for _ in stream)
            total = time.perf_counter() - start
            rows.append(("chat first token", f"{first:.3f} s"))
            rows.append(("chat tokens/s", f"{(n - 1) / max(total - first, 1e-9):.1f} ({n} pieces)"))
        elif isinstance(model, whisper.WhisperTinyEn):
            s = best(model.predict, whisper.Input(audio=speech), c)
            rows.append(("whisper real-time factor", f"{s / audio_s:.3f} ({audio_s:.1f} s audio)"))
        elif isinstance(model, real_esrgan.RealESRGAN):
            inp = real_esrgan.Input(image=astronaut, scale=2)
            rows.append(("real-esrgan 512->1024", f"{best(model.predict, inp, c):.2f} s"))
        elif isinstance(model, rembg.Rembg):
            for which in ("modnet", "u2netp"):
                inp = rembg.Input(image=astronaut, model=which)
                rows.append((f"rembg {which} 512", f"{best(model.predict, inp, c):.2f} s"))
        else:
            inp = face_enhance.Input(img=astronaut, scale=2)
            rows.append(("face-enhance 512 x2", f"{best(model.predict, inp, c):.2f} s"))

    width = max(len(k) for k, _ in rows)
    sys.stdout.flush()
    for key, value in rows:
        print(f"{key:<{width}}  {value}", file=sys.stderr)


if __name__ == "__main__":
    main()
