"""One MCP tool per task of the page: generate an image, chat, transcribe, upscale, remove a
background, restore faces. Each runs the task's default preset through the service, as its tab
does, and answers JSON text (see `common.result_reply`).

The docstrings are the tools' descriptions (Gradio reads them, and each `Args:` line is the
argument's description): written for an agent, one line per argument.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from playground.results import RunResult
from playground.service import Caller, OnUpdate
from playground.ui.context import AppContext
from playground.ui.mcp.common import (
    as_json,
    file_input,
    refuse,
    result_reply,
    run_call,
    text_input,
)

LANGUAGES = ("auto", "en", "fr", "de", "es", "it", "pt", "nl", "ja", "zh")
MAX_SEED = 2**32 - 1


def task_tools(ctx: AppContext) -> list[Callable[..., Any]]:
    """The task tools, bound to `ctx` (their names are the tools' names)."""

    async def generate_image(prompt: str, seed: int = -1,
                             request: gr.Request | None = None) -> str:
        """Generate a picture from a text description (the playground's default image model:
        SDXL on Replicate; offline, the local stand-in if it is installed). Usually 5-30 s on
        Replicate; a minute or more offline on a CPU.

        It answers JSON text: status, model, predict_seconds, total_seconds, and files: a list of
        {url, content_type, bytes, size, width, height} (fetch each url with HTTP GET).

        Args:
            prompt: what the picture shows, in plain words (1 to 200,000 characters).
            seed: a whole number from 0 to 4294967295 for a repeatable picture; -1 picks one.
        """
        text = text_input(prompt, "The prompt")
        inputs: dict[str, Any] = {}
        if seed != -1:
            inputs["seed"] = _seed(seed)

        async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
            return await ctx.service.generate_image(text, token=token, on_update=on_update,
                                                    caller=caller, **inputs)

        return await _reply(ctx, "image", request, call)

    async def chat(message: str, system_prompt: str = "",
                   request: gr.Request | None = None) -> str:
        """Ask the playground's chat model one question and get its whole answer (Llama 3.1
        405B Instruct on Replicate; offline SmolLM2 135M, a small model for short answers).
        Each call is a new conversation. Usually 2-20 s.

        It answers JSON text: status, model, text (the answer), predict_seconds, total_seconds, and
        notes when something was changed on the way.

        Args:
            message: the question or instruction (1 to 200,000 characters).
            system_prompt: optional instructions for how to answer; empty keeps the default.
        """
        asked = text_input(message, "The message")
        system = text_input(system_prompt or "", "The system prompt", required=False)

        async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
            return await ctx.service.chat(asked, [], system_prompt=system or None,
                                          token=token, on_update=on_update, caller=caller)

        return await _reply(ctx, "chat", request, call)

    async def transcribe(audio: str, language: str = "auto",
                         request: gr.Request | None = None) -> str:
        """Turn speech in a recording into text (Whisper large-v3 on Replicate; offline Whisper
        tiny.en, English only). Takes WAV, MP3, FLAC, OGG or M4A. Usually a few seconds per
        minute of speech.

        It answers JSON text: status, model, text (the transcript), predict_seconds, total_seconds.

        Args:
            audio: the recording, as an http(s) URL or a data: URI (never a path on the server).
            language: the spoken language's code (auto, en, fr, de, es, it, pt, nl, ja, zh).
        """
        if language not in LANGUAGES:
            raise refuse(f"language must be one of {', '.join(LANGUAGES)}.")
        given = file_input(ctx, audio, "The audio")
        inputs = {} if language == "auto" else {"language": language}

        async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
            return await ctx.service.transcribe(given, token=token, on_update=on_update,
                                                caller=caller, **inputs)

        return await _reply(ctx, "transcribe", request, call)

    async def upscale(image: str, scale: int = 4, face_enhance: bool = False,
                      request: gr.Request | None = None) -> str:
        """Make a picture larger and sharper with Real-ESRGAN (on Replicate, or the same model
        offline). Usually 2-20 s; a large picture takes minutes offline on a CPU.

        It answers JSON text: status, model, predict_seconds, total_seconds, files: [{url,
        content_type, bytes, size, width, height}] (the larger picture; fetch the url with HTTP
        GET).

        Args:
            image: the picture (PNG, JPEG, WebP), as an http(s) URL or a data: URI.
            scale: how many times wider and taller, a whole number from 1 to 10 (default 4).
            face_enhance: also restore faces in it (slower); default false.
        """
        if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 10:
            raise refuse("scale must be a whole number from 1 to 10.")
        given = file_input(ctx, image, "The image")

        async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
            return await ctx.service.upscale(given, scale=scale, face_enhance=bool(face_enhance),
                                             token=token, on_update=on_update, caller=caller)

        return await _reply(ctx, "upscale", request, call)

    async def remove_background(image: str, request: gr.Request | None = None) -> str:
        """Cut the subject out of a picture: the background becomes transparent (rembg on
        Replicate, or the same model offline). Usually 2-10 s.

        It answers JSON text: status, model, predict_seconds, total_seconds, files: [{url,
        content_type (a PNG with transparency), bytes, size, width, height}].

        Args:
            image: the picture (PNG, JPEG, WebP), as an http(s) URL or a data: URI.
        """
        given = file_input(ctx, image, "The image")

        async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
            return await ctx.service.remove_background(given, token=token, on_update=on_update,
                                                       caller=caller)

        return await _reply(ctx, "background", request, call)

    async def restore_faces(image: str, request: gr.Request | None = None) -> str:
        """Restore blurry, damaged or low-resolution faces in a photo (GFPGAN on Replicate;
        offline a local face restorer). Usually 3-20 s.

        It answers JSON text: status, model, predict_seconds, total_seconds, files: [{url,
        content_type, bytes, size, width, height}] (the restored photo).

        Args:
            image: the photo (PNG, JPEG, WebP), as an http(s) URL or a data: URI.
        """
        given = file_input(ctx, image, "The image")

        async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
            return await ctx.service.restore_faces(given, token=token, on_update=on_update,
                                                   caller=caller)

        return await _reply(ctx, "faces", request, call)

    return [generate_image, chat, transcribe, upscale, remove_background, restore_faces]


async def _reply(ctx: AppContext, tab: str, request: gr.Request | None, call: Any) -> str:
    # run_call says every failure as a plain gr.Error
    return as_json(result_reply(await run_call(ctx, tab, request, call), request))


def _seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise refuse(f"seed must be a whole number from 0 to {MAX_SEED}, or -1 for any.")
    return seed
