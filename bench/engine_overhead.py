"""Engine overhead per real model: the same work through the engine's HTTP API and through the
raw runtime called in-process, side by side in one run, printed as a table of ratios.

    .venv/bin/python bench/engine_overhead.py [RUNS] [--only PART[,PART...]]

PARTs: chat, whisper, rembg, real-esrgan, face-enhance (default: all of them).

Each cell is the best of RUNS (default 3), the two sides alternating, after one warm-up each
that loads the model, so load time is not counted on either side. Over HTTP, images and audio
go in as data URIs with `Prefer: wait` and the output is read back; chat is read from the
prediction's SSE stream.
The "in engine" column is the engine's own `metrics.predict_time`: the rest of the HTTP time
is the engine's overhead (validation, base64, queueing, JSON, the network stack).
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before llama.cpp loads

import httpx  # noqa: E402
from PIL import Image  # noqa: E402
from skimage import data  # noqa: E402

from playground.engine import model_store  # noqa: E402
from playground.engine.models import (  # noqa: E402
    face_enhance,
    real_esrgan,
    rembg,
    smollm2,
    whisper,
)
from playground.engine.models.base import EngineModel, PredictContext  # noqa: E402
from playground.engine.server import EngineThread  # noqa: E402

CHAT_INPUT = {"prompt": "Tell me about the sea.", "max_tokens": 128, "temperature": 0,
              "seed": 1}
SPOKEN = "The quick brown fox jumps over the lazy dog. " * 3


def data_uri(path: Path, kind: str) -> str:
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def paired(raw: Callable[[], Any], http: Callable[[], Any], runs: int
           ) -> tuple[list[tuple[float, Any]], list[tuple[float, Any]]]:
    """Timed calls of both, alternating (so a busy moment on a shared machine hits both
    alike), after one warm-up call of each. Returns [(seconds, value)] per side."""
    raw()
    http()
    out: tuple[list[tuple[float, Any]], list[tuple[float, Any]]] = ([], [])
    for _ in range(runs):
        for fn, results in ((raw, out[0]), (http, out[1])):
            start = time.perf_counter()
            value = fn()
            results.append((time.perf_counter() - start, value))
    return out


def timed_pieces(start: float, pieces: Iterator[Any]) -> tuple[float, float, int]:
    """(time to the first piece, time to the end, pieces), from `start` (the request)."""
    next(pieces)
    first = time.perf_counter() - start
    n = 1 + sum(1 for _ in pieces)
    return first, time.perf_counter() - start, n


class Bench:
    def __init__(self, engine: EngineThread, http: httpx.Client, workdir: Path, runs: int):
        self.engine, self.http, self.workdir, self.runs = engine, http, workdir, runs
        self.rows: list[tuple[str, str, str, str, str]] = []

    def raw(self, model: EngineModel, inputs: Any) -> Callable[[], Any]:
        ctx = PredictContext(workdir=self.workdir, log=lambda _line: None)
        model.load(ctx)
        return lambda: model.predict(model.Input.model_validate(inputs), ctx)

    def over_http(self, ref: str, inputs: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        def call() -> dict[str, Any]:
            pred: dict[str, Any] = self.http.post(
                f"/v1/models/{ref}/predictions", json={"input": inputs},
                headers={"Prefer": "wait"}).json()
            while pred["status"] not in ("succeeded", "failed", "canceled"):
                time.sleep(0.05)
                pred = self.http.get(f"/v1/predictions/{pred['id']}").json()
            assert pred["status"] == "succeeded", pred.get("error")
            out = pred["output"]
            if isinstance(out, str) and out.startswith("http"):
                self.http.get(out).raise_for_status()  # a served file: download it too
            return pred

        return call

    def seconds(self, label: str, model: EngineModel, raw_inputs: dict[str, Any],
                http_inputs: dict[str, Any], per: float = 1.0, unit: str = "s") -> None:
        """Rows where lower is better; `per` turns seconds into e.g. a real-time factor."""
        raw, http = paired(self.raw(model, raw_inputs), self.over_http(model.ref, http_inputs),
                           self.runs)
        raw_s, _ = min(raw, key=lambda r: r[0])
        http_s, pred = min(http, key=lambda r: r[0])
        inside = pred["metrics"]["predict_time"]
        self.rows.append((label, f"{raw_s / per:.3f} {unit}", f"{http_s / per:.3f} {unit}",
                          f"{inside / per:.3f} {unit}", f"{http_s / raw_s:.2f}x"))

    def chat(self) -> None:
        """Whole generations, from the request to the last token, prompt included."""
        model = smollm2.SmolLM2()
        raw_call = self.raw(model, CHAT_INPUT)

        def in_process() -> tuple[float, float, int]:
            return timed_pieces(time.perf_counter(), iter(raw_call()))

        def streamed() -> tuple[float, float, int]:
            start = time.perf_counter()
            pred = self.http.post(f"/v1/models/{model.ref}/predictions",
                                  json={"input": CHAT_INPUT, "stream": True}).json()
            with self.http.stream("GET", pred["urls"]["stream"],
                                  headers={"Accept": "text/event-stream"}) as r:
                return timed_pieces(start, output_events(r.iter_lines()))

        timed = paired(in_process, streamed, self.runs)
        raw, http = ([value for _, value in side] for side in timed)
        raw_first, http_first = min(r[0] for r in raw), min(r[0] for r in http)
        raw_tps = max(r[2] / r[1] for r in raw)
        http_tps = max(r[2] / r[1] for r in http)
        n = raw[0][2]
        assert {r[2] for r in raw + http} == {n}, "both sides must generate the same tokens"
        self.rows.append(("chat time to first token", f"{raw_first:.3f} s",
                          f"{http_first:.3f} s", "-", f"{http_first / raw_first:.2f}x"))
        self.rows.append((f"chat tokens/s ({n} tokens, end to end, SSE)", f"{raw_tps:.1f}/s",
                          f"{http_tps:.1f}/s", "-", f"{raw_tps / http_tps:.2f}x"))


def output_events(lines: Iterator[str]) -> Iterator[str]:
    """One item per `output` event of an SSE stream (a piece may span several data lines)."""
    event = ""
    for line in lines:
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line == "":  # the end of an event
            if event == "output":
                yield event
            elif event == "done":
                return
            event = ""


PARTS = ("chat", "whisper", "rembg", "real-esrgan", "face-enhance")


def parse_args(argv: list[str]) -> tuple[int, set[str]]:
    runs, only = 3, set(PARTS)
    args = iter(argv)
    for arg in args:
        if arg == "--only":
            only = set(next(args, "").split(","))
            if not only <= set(PARTS):
                raise SystemExit(f"--only takes some of {', '.join(PARTS)}")
        else:
            runs = int(arg)
    return runs, only


def main() -> None:
    runs, only = parse_args(sys.argv[1:])
    model_store.pull()
    tmp = Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    portrait, small, speech = tmp / "portrait.png", tmp / "small.png", tmp / "speech.wav"
    astronaut = Image.fromarray(data.astronaut())
    astronaut.resize((256, 256)).save(portrait)
    astronaut.resize((128, 128)).save(small)
    subprocess.run(["espeak-ng", "-w", str(speech), SPOKEN], check=True, capture_output=True)
    with wave.open(str(speech)) as w:
        audio_s = w.getnframes() / w.getframerate()
    (tmp / "work").mkdir()

    with EngineThread([smollm2.SmolLM2(), whisper.WhisperTinyEn(), real_esrgan.RealESRGAN(),
                       rembg.Rembg(), face_enhance.FaceEnhance()], tmp / "engine") as engine, \
            httpx.Client(base_url=engine.url, timeout=300) as http:
        b = Bench(engine, http, tmp / "work", runs)
        if "chat" in only:
            b.chat()
        if "whisper" in only:
            b.seconds(f"whisper real-time factor ({audio_s:.1f} s speech)",
                      whisper.WhisperTinyEn(), {"audio": speech},
                      {"audio": data_uri(speech, "audio/wav")}, per=audio_s, unit="RTF")
        if "rembg" in only:
            b.seconds("rembg modnet 256 px, s/image", rembg.Rembg(), {"image": portrait},
                      {"image": data_uri(portrait, "image/png")})
        if "real-esrgan" in only:
            b.seconds("real-esrgan 128 px x4, s/image", real_esrgan.RealESRGAN(),
                      {"image": small, "scale": 4}, {"image": data_uri(small, "image/png"),
                                                     "scale": 4})
            b.seconds("real-esrgan 256 px x4 (served file), s/image", real_esrgan.RealESRGAN(),
                      {"image": portrait, "scale": 4},
                      {"image": data_uri(portrait, "image/png"), "scale": 4})
        if "face-enhance" in only:  # one face (the astronaut's), whole image resized x2
            b.seconds("face-enhance 256 px x2 (1 face), s/image", face_enhance.FaceEnhance(),
                      {"img": portrait, "scale": 2},
                      {"img": data_uri(portrait, "image/png"), "scale": 2})

    head = ("work", "in-process", "engine (HTTP)", "in engine", "overhead")
    widths = [max(len(str(r[i])) for r in [head, *b.rows]) for i in range(5)]
    print(f"best of {runs}, alternating, after a warm-up; overhead = engine time / in-process time "
          "(for chat: in-process tokens/s / engine tokens/s)")
    for row in [head, tuple("-" * w for w in widths), *b.rows]:
        print("| " + " | ".join(f"{c:<{w}}" for c, w in zip(row, widths, strict=True)) + " |")


if __name__ == "__main__":
    main()
