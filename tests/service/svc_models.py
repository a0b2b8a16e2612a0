"""Small engine models that stand in for the real local ones in the service tests (no weights)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

from PIL import Image
from pydantic import BaseModel, Field

from playground.engine.models.base import EngineModel, PredictContext
from playground.presets import ChatSettings, Preset

TEXT_STREAM = {"type": "array", "items": {"type": "string"}, "x-cog-array-type": "iterator",
               "x-cog-array-display": "concatenate"}
ESRGAN = "nightmareai/real-esrgan:42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b"
WHISPER = "openai/whisper:4d50797290df275329f202e48c76360b3f22b08d28c196cbc54600319435f8d2"
LLAMA = "meta/meta-llama-3.1-405b-instruct"


class Resize(EngineModel):
    """Upscale by plain resizing, logging a tqdm-style bar."""

    name = "fake-upscale"
    description = "Resizes."
    output_schema = {"type": "string", "format": "uri"}

    class Input(BaseModel):
        image: Path
        scale: float = Field(4, ge=0, le=10)
        face_enhance: bool = False
        steps: int = Field(3, ge=1, le=50)
        delay: float = Field(0.0, ge=0, le=30)

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Path:
        assert isinstance(inputs, Resize.Input)
        img = Image.open(inputs.image)
        for i in range(inputs.steps):
            ctx.check()
            time.sleep(inputs.delay)
            ctx.progress(i + 1, inputs.steps, "tiles")
        out = img.resize((round(img.width * inputs.scale), round(img.height * inputs.scale)))
        path = ctx.workdir / "out.png"
        out.save(path)
        return path


class EchoChat(EngineModel):
    """Streams back, word by word, the text a real model would read (the template applied)."""

    name = "fake-chat"
    description = "Echoes the rendered prompt."
    output_schema = TEXT_STREAM
    streams = True

    class Input(BaseModel):
        prompt: str = ""
        system_prompt: str = "You are a helpful assistant."
        prompt_template: str | None = None
        max_tokens: int = 512
        temperature: float = 0.6
        fail: bool = False

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Iterator[str]:
        assert isinstance(inputs, EchoChat.Input)
        template = inputs.prompt_template or "[{system_prompt}] {prompt}"
        text = template.replace("{system_prompt}", inputs.system_prompt).replace(
            "{prompt}", inputs.prompt)
        for i, piece in enumerate(re.findall(r"\s*\S+\s*|\s+", text)):
            ctx.check()
            if inputs.fail and i == 2:
                raise RuntimeError("the fake chat model broke down")
            yield piece
            time.sleep(0.01)


class Transcriber(EngineModel):
    """A Whisper-shaped output: text, a txt file and segments."""

    name = "fake-whisper"
    description = "Pretends to transcribe."
    output_schema = {"type": "object"}

    class Input(BaseModel):
        audio: Path
        transcription: str = "plain text"
        translate: bool = False
        temperature: float = 0

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> dict:
        assert isinstance(inputs, Transcriber.Input)
        size = inputs.audio.stat().st_size
        txt = ctx.workdir / "transcription.txt"
        txt.write_text(f"heard {size} bytes\n")
        return {"transcription": f"heard {size} bytes", "txt_file": txt,
                "segments": [{"id": 0, "start": 0.0, "end": 0.5, "text": "heard"}],
                "detected_language": "en"}


class Broken(EngineModel):
    name = "fake-broken"
    description = "Fails after logging."
    output_schema = {"type": "string", "format": "uri"}

    class Input(BaseModel):
        img: Path

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Path:
        ctx.log("looking for faces")
        raise RuntimeError("no face found")


def fake_models() -> list[EngineModel]:
    return [Resize(), EchoChat(), Transcriber(), Broken()]


def fake_presets() -> dict[str, Preset]:
    template = "<|im_start|>system\n{system_prompt}<|im_end|>\n<|im_start|>user\n{prompt}" \
               "<|im_end|>\n<|im_start|>assistant\n"
    presets = [
        Preset(id="up", title="Up", task="upscale", model=ESRGAN, local_model="local/fake-upscale",
               file_input="image", local_max_image_side=256, defaults={"scale": 4},
               local_defaults={"scale": 2}),
        Preset(id="talk", title="Talk", task="chat", model=LLAMA, local_model="local/fake-chat",
               defaults={"system_prompt": "Be kind.", "max_tokens": 512},
               chat=ChatSettings(format="llama3"),
               local_chat=ChatSettings(format="chatml", prompt_template=template)),
        Preset(id="hear", title="Hear", task="transcribe", model=WHISPER,
               local_model="local/fake-whisper", file_input="audio", local_omit=["model"],
               defaults={"model": "large-v3", "transcription": "plain text"}),
        Preset(id="faces", title="Faces", task="faces", model=ESRGAN,
               local_model="local/fake-broken", file_input="img"),
    ]
    return {p.id: p for p in presets}
