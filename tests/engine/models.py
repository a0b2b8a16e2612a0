"""Small inline models for the engine tests (and the no-op benchmark)."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps
from pydantic import BaseModel, Field

from playground.engine.models.base import EngineModel, ModelUnavailable, PredictContext

TEXT_STREAM = {"type": "array", "items": {"type": "string"}, "x-cog-array-type": "iterator",
               "x-cog-array-display": "concatenate"}


class Echo(EngineModel):
    owner = "test"
    name = "echo"
    description = "Echoes the prompt."

    class Input(BaseModel):
        prompt: str = Field(description="Text to echo")
        repeat: int = Field(1, ge=1, le=5, description="How many times")
        case: Literal["lower", "upper"] = Field("lower", description="Letter case")
        temperature: float = Field(0.5, ge=0, le=1)
        seed: int | None = Field(None, description="Random seed")

    output_schema = {"type": "string"}

    def __init__(self) -> None:
        self.loads = 0

    def load(self, ctx: PredictContext) -> None:
        self.loads += 1
        ctx.log("loading echo weights")

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> str:
        assert isinstance(inputs, Echo.Input)
        ctx.log(f"echoing {inputs.prompt!r}")
        text = " ".join([inputs.prompt] * inputs.repeat)
        return text.upper() if inputs.case == "upper" else text.lower()


class Counter(EngineModel):
    owner = "test"
    name = "counter"
    description = "Streams tokens."
    streams = True
    output_schema = TEXT_STREAM

    class Input(BaseModel):
        n: int = Field(3, ge=0, le=100)
        delay: float = Field(0.0, ge=0, le=5)

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Iterator[str]:
        assert isinstance(inputs, Counter.Input)
        yield "start\nline two"
        for i in range(inputs.n):
            ctx.check()
            ctx.progress(i + 1, inputs.n)
            time.sleep(inputs.delay)
            yield " a" if i == 0 else f" {i}"
        ctx.metrics["output_token_count"] = inputs.n  # as a language model reports it


class Invert(EngineModel):
    owner = "test"
    name = "invert"
    description = "Inverts an image."
    output_schema = {"type": "string", "format": "uri"}

    class Input(BaseModel):
        image: Path = Field(description="Image to invert")
        big: bool = Field(False, description="Return a large (served) file")

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Path:
        assert isinstance(inputs, Invert.Input)
        img = Image.open(inputs.image).convert("RGB")
        out = ImageOps.invert(img)
        if inputs.big:  # noise does not compress: a PNG well over 1 MB
            out = Image.effect_noise((1024, 1024), 120).convert("RGB")
        path = ctx.workdir / "inverted.png"
        out.save(path)
        return path


class Slow(EngineModel):
    owner = "test"
    name = "slow"
    description = "Sleeps, checking for cancellation."
    output_schema = {"type": "string"}

    class Input(BaseModel):
        seconds: float = Field(30.0, ge=0, le=600)

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> str:
        assert isinstance(inputs, Slow.Input)
        end = time.monotonic() + inputs.seconds
        while time.monotonic() < end:
            ctx.check()
            time.sleep(0.02)
        return "slept"


class Boom(EngineModel):
    owner = "test"
    name = "boom"
    description = "Always fails."
    output_schema = {"type": "string"}

    class Input(BaseModel):
        unavailable: bool = False

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> str:
        assert isinstance(inputs, Boom.Input)
        if inputs.unavailable:
            raise ModelUnavailable("no weights: run `playground models pull boom`")
        raise RuntimeError("kaboom: the model exploded")


class Off(EngineModel):
    owner = "test"
    name = "off"
    description = "Never available."
    output_schema = {"type": "string"}

    class Input(BaseModel):
        prompt: str = ""

    def availability(self) -> str | None:
        return "weights missing; run `playground models pull off`"

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> str:
        raise AssertionError("never called")


class Noop(EngineModel):
    owner = "test"
    name = "noop"
    description = "Does nothing."
    output_schema = {"type": "string"}
    concurrency = 4

    class Input(BaseModel):
        prompt: str = ""

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> str:
        return "ok"


class Many(EngineModel):
    owner = "test"
    name = "many"
    description = "Lists of files."
    output_schema = {"type": "array", "items": {"type": "string", "format": "uri"}}

    class Input(BaseModel):
        images: list[Path] = Field(description="Images")
        size: Literal[256, 512] = 256
        api_key: str = Field("", json_schema_extra={"x-cog-secret": True})

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> list[Path]:
        assert isinstance(inputs, Many.Input)
        return list(inputs.images)


def all_models() -> list[EngineModel]:
    return [Echo(), Counter(), Invert(), Slow(), Boom(), Off(), Noop()]


class Leaky(EngineModel):
    """Logs and fails the way libraries do: with absolute server paths and a traceback."""

    owner = "test"
    name = "leaky"
    description = "Names server paths."
    output_schema = {"type": "string"}

    class Input(BaseModel):
        prompt: str = ""

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> str:
        ctx.log(f"reading weights from {ctx.workdir}/weights/model.bin")
        ctx.log("Traceback (most recent call last):")
        ctx.log('  File "/usr/lib/python3/dist-packages/lib.py", line 3, in load')
        raise FileNotFoundError(f"[Errno 2] No such file: '{ctx.workdir}/input0.wav'")


class Keyed(EngineModel):
    """Takes secrets (as Cog describes its `Secret`) and, carelessly, logs and raises them;
    answers a digest of each, so a test sees the model had the real values."""

    owner = "test"
    name = "keyed"
    description = "Uses an API key."
    streams = True
    output_schema = TEXT_STREAM

    class Input(BaseModel):
        prompt: str = ""
        api_key: str = Field(json_schema_extra={"x-cog-secret": True, "format": "password"})
        hf_token: str = Field("", json_schema_extra={"format": "password"})
        seconds: float = Field(0.0, ge=0, le=30)

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Iterator[str]:
        assert isinstance(inputs, Keyed.Input)
        ctx.log(f"signing in with {inputs.api_key} and {inputs.hf_token}")
        end = time.monotonic() + inputs.seconds
        while time.monotonic() < end:
            ctx.check()
            time.sleep(0.02)
        if inputs.prompt == "fail":
            raise PermissionError(f"the key {inputs.api_key} was refused")
        for value in (inputs.api_key, inputs.hf_token):
            yield hashlib.sha256(value.encode()).hexdigest()[:12] + " "


class Weigh(EngineModel):
    """Answers its file's size and first bytes' digest, after `seconds` (cancellable)."""

    owner = "test"
    name = "weigh"
    description = "Weighs a file."
    output_schema = {"type": "string"}

    class Input(BaseModel):
        file: Path
        seconds: float = Field(0.0, ge=0, le=60)

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> str:
        assert isinstance(inputs, Weigh.Input)
        end = time.monotonic() + inputs.seconds
        while time.monotonic() < end:
            ctx.check()
            time.sleep(0.02)
        data = inputs.file.read_bytes()
        return f"{len(data)} {hashlib.sha256(data).hexdigest()[:16]}"


class Weights(EngineModel):
    """Loads "weights" (a buffer), unloads them, and counts both. A prediction can be held
    mid-way (`hold`) until the test lets it go, and a load can be held at its start; the
    answer says whether the weights were still there at the end of the prediction."""

    owner = "test"
    name = "weights"
    description = "Holds weights while loaded."
    output_schema = {"type": "string"}

    class Input(BaseModel):
        prompt: str = ""
        hold: bool = False

    def __init__(self) -> None:
        self.weights: bytearray | None = None
        self.loads = 0
        self.unloads = 0
        self.unload_calls = 0
        self.refuse_unload = False
        self.load_gate = threading.Event()
        self.load_gate.set()
        self.running = threading.Event()  # set while a held prediction waits
        self.release = threading.Event()

    def load(self, ctx: PredictContext) -> None:
        ctx.log("loading test weights")
        assert self.load_gate.wait(30), "the test never let the load go"
        self.weights = bytearray(1 << 20)
        self.loads += 1

    def unload(self) -> bool:
        self.unload_calls += 1
        if self.refuse_unload:
            return False
        self.weights = None
        self.unloads += 1
        return True

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> str:
        assert isinstance(inputs, Weights.Input)
        assert self.weights is not None, "predict ran without its weights"
        if inputs.hold:
            self.running.set()
            while not self.release.wait(0.02):
                ctx.check()
            self.running.clear()
        intact = self.weights is not None and len(self.weights) == 1 << 20
        return f"{inputs.prompt}: weights {'intact' if intact else 'GONE'}"
