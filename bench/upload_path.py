"""The Upscale tab's upload path with a 12 MP camera-sized JPEG: bytes on the wire and time to
send, with the preset's shrinking on, against the same file sent as it is.

    .venv/bin/python bench/upload_path.py

Two backends, each through the service's own code (`Service.upscale` and its uploader) with
a counting httpx transport in front of a real server on loopback (nothing is mocked):

- local: the embedded engine (the preset's `local_max_image_side`), the whole run: upload,
  create, the real Real-ESRGAN model, output download. Counted: every request body to the
  engine up to and including the prediction's create.
- cloud-sized: the preset's `max_image_side` (what goes to Replicate), the upload step alone
  (`service.uploader`, the Files API above 256 kB) against the engine's own Files API.

"As is" is the file unshrunk: its data URI (base64) or its Files API upload. Prints the upload
note (what the details panel shows) and the check-and-shrink step's time alone; nothing is
asserted.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image
from skimage import data

from playground.engine.models.real_esrgan import RealESRGAN
from playground.engine.server import EngineThread
from playground.files.datauri import human_size
from playground.files.uploads import prepare
from playground.service import Service

SIDE = (4000, 3000)  # 12 MP, a phone camera's 4:3


def camera_jpeg(path: Path) -> int:
    """A photo-like 12 MP JPEG: four real photographs (scikit-image's samples) scaled up into
    quadrants, with sensor-like noise so it compresses like a camera file, saved at q=93."""
    w, h = SIDE
    canvas = Image.new("RGB", SIDE)
    for i, photo in enumerate((data.astronaut(), data.coffee(), data.chelsea(), data.rocket())):
        tile = Image.fromarray(photo).convert("RGB").resize((w // 2, h // 2), Image.LANCZOS)
        canvas.paste(tile, ((i % 2) * w // 2, (i // 2) * h // 2))
    pixels = np.asarray(canvas, dtype=np.float32)
    noise = np.random.default_rng(0).normal(0, 5.0, pixels.shape)
    noisy = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    noisy.save(path, format="JPEG", quality=93)
    return path.stat().st_size


class Counting(httpx.AsyncBaseTransport):
    """Forwards to a real transport; remembers each request's body size and when it ended."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[tuple[str, str, int, float]] = []  # method, path, bytes, at

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        head = sum(len(k) + len(v) + 4 for k, v in request.headers.raw) + len(request.url.raw_path)
        response = await self.inner.handle_async_request(request)
        self.sent.append((request.method, request.url.path, len(body) + head,
                          time.perf_counter()))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def upto_create(sent: list[tuple[str, str, int, float]]) -> list[tuple[str, str, int, float]]:
    for i, (method, path, _, _) in enumerate(sent):
        if method == "POST" and path.endswith("/predictions"):
            return sent[:i + 1]
    return sent


async def local_run(url: str, photo: Path, work: Path) -> dict[str, Any]:
    transport = Counting()
    service = Service(url, data_dir=work / "local", transport=transport)
    preset = service.preset("upscale")
    start = time.perf_counter()
    result = await service.upscale(str(photo), preset=preset)
    sent = upto_create(transport.sent)
    out = result.local_output
    size = Image.open(out).size if isinstance(out, (str, Path)) else None
    await service.aclose()
    return {"bytes": sum(s[2] for s in sent), "seconds": sent[-1][3] - start,
            "note": "; ".join(result.upload_notes), "status": result.status,
            "side": preset.image_side_for("local"), "output": size,
            "requests": [(m, p, n) for m, p, n, _ in sent]}


async def cloud_upload(url: str, photo: Path, work: Path, shrink: bool) -> dict[str, Any]:
    transport = Counting()
    service = Service(url, data_dir=work / "cloud", transport=transport, backend="custom")
    preset = service.preset("upscale")
    side = preset.image_side_for("replicate") if shrink else None
    start = time.perf_counter()
    upload = await service.uploader.upload(str(photo), "image", max_side=side)
    seconds = time.perf_counter() - start
    await service.aclose()
    on_wire = sum(s[2] for s in transport.sent) or len(upload.value)  # inline: in the create
    return {"bytes": on_wire, "seconds": seconds, "note": upload.note, "side": side}


async def as_is_data_uri(photo: Path) -> int:
    import base64

    return len("data:image/jpeg;base64,") + len(base64.b64encode(photo.read_bytes()))


def shrink_time(photo: Path, side: int, runs: int = 5) -> float:
    """The check-and-shrink step alone (decode, resize, JPEG), best of `runs`."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        prepare(str(photo), "image", max_side=side)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
        work = Path(tmp)
        photo = work / "photo.jpg"
        size = camera_jpeg(photo)
        print(f"photo: {SIDE[0]}x{SIDE[1]} JPEG, {human_size(size)} ({size:,} bytes)")
        with EngineThread([RealESRGAN()], work / "engine") as engine:
            local = asyncio.run(local_run(engine.url, photo, work))
            cloud = asyncio.run(cloud_upload(engine.url, photo, work, shrink=True))
            whole = asyncio.run(cloud_upload(engine.url, photo, work, shrink=False))
        raw_uri = asyncio.run(as_is_data_uri(photo))
        rows = [
            (f"local engine, shrunk to {local['side']} px (data URI), up to the create",
             local["bytes"], local["seconds"]),
            (f"cloud preset, shrunk to {cloud['side']} px (Files API)", cloud["bytes"],
             cloud["seconds"]),
            ("as is, Files API", whole["bytes"], whole["seconds"]),
            ("as is, data URI (no Files API)", raw_uri, float("nan")),
        ]
        print(f"\n{'path':58s} {'on the wire':>12s} {'of the file':>11s} {'time':>8s}")
        for name, n, s in rows:
            print(f"{name:58s} {human_size(n):>12s} {n / size:10.1%} {s:7.2f}s")
        print(f"\nlocal run: {local['status']}, output {local['output']}; requests "
              f"{local['requests']}")
        print(f"upload note (local): {local['note']}")
        print(f"upload note (cloud): {cloud['note']}")
        for side in (local["side"], cloud["side"]):
            print(f"check and shrink to {side} px alone: {shrink_time(photo, side):.3f} s "
                  "(best of 5)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
