"""local/smollm2-135m-instruct: streamed chat with SmolLM2-135M-Instruct on llama.cpp.

Stands in for meta/meta-llama-3.1-405b-instruct: same input names, same streamed output.
"""

from __future__ import annotations

import os
import queue
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from ._common import loading, missing_weights, require
from .base import EngineModel, PredictContext

STORE = "smollm2-135m-instruct"
GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
# The context window (prompt and answer): what the Chat tab sends at most (its preset's
# context_tokens: the service trims older turns to fit, the answer's max_tokens included).
# llama.cpp holds a key/value cache of this size while the model is loaded: 90 MiB.
N_CTX = 4096
# Without a repeat penalty the 135M model loops.
REPEAT_PENALTY = 1.1
# What llama.cpp keeps of these inputs: top_k an int32 (larger values wrap around); the seed a
# uint32 (larger ones wrap, so two seeds would give one answer), and 0xFFFFFFFF there means
# "a random seed" (what -1 also wraps to). The schema takes what repeats as asked.
TOP_K_MAX = 2**31 - 1
SEED_MAX = 2**32 - 2


def _f(order: int, description: str, **kw: Any) -> Any:
    return Field(description=description, json_schema_extra={"x-order": order}, **kw)


class Input(BaseModel):
    prompt: str = _f(0, "Prompt", default="")
    system_prompt: str = _f(
        1,
        "System prompt to send to the model. This is prepended to the prompt and helps guide "
        "system behavior. Ignored for non-chat models.",
        default="You are a helpful assistant.",
    )
    min_tokens: int = _f(
        2, "The minimum number of tokens the model should generate as output.", default=0, ge=0
    )
    max_tokens: int = _f(
        3,
        "The maximum number of tokens the model should generate as output.",
        default=512,
        ge=1,
        le=N_CTX,
    )
    temperature: float = _f(
        4, "The value used to modulate the next token probabilities.", default=0.6, ge=0, le=5
    )
    top_p: float = _f(
        5,
        "A probability threshold for generating the output. If < 1.0, only keep the top "
        "tokens with cumulative probability >= top_p (nucleus filtering).",
        default=0.9,
        ge=0,
        le=1,
    )
    top_k: int = _f(
        6,
        "The number of highest probability tokens to consider for generating the output. "
        "If > 0, only keep the top k tokens with highest probability (top-k filtering).",
        default=50,
        ge=0,
        le=TOP_K_MAX,
    )
    presence_penalty: float = _f(7, "Presence penalty", default=0, ge=-2, le=2)
    frequency_penalty: float = _f(8, "Frequency penalty", default=0, ge=-2, le=2)
    stop_sequences: str | None = _f(
        9,
        "A comma-separated list of sequences to stop generation at. For example, "
        "'<end>,<stop>' will stop generation at the first instance of 'end' or '<stop>'.",
        default=None,
    )
    prompt_template: str | None = _f(
        10,
        "A template to format the prompt with ({prompt} and {system_prompt} are replaced). "
        "If not provided, the model's own chat template is used.",
        default=None,
    )
    seed: int | None = _f(11, "Random seed. Leave blank to randomize the seed", default=None,
                          ge=0, le=SEED_MAX)


_OVER_CONTEXT = re.compile(
    r"\((\d+) tokens\) exceeds the available context size(?: \((\d+) tokens\))?")


def _plain_error(message: str) -> Exception:
    """llama.cpp's errors in words a chat user can act on."""
    if m := _OVER_CONTEXT.search(message):
        holds = m[2] or N_CTX  # llama.cpp's own context size, when it says it
        return ValueError(
            f"the conversation is too long for this model: it is {m[1]} tokens and the model "
            f"holds {holds} (question and answer together). Clear the conversation, or send a "
            "shorter message."
        )
    return RuntimeError(f"llama.cpp: {message}")


class SmolLM2(EngineModel):
    name = "smollm2-135m-instruct"
    description = (
        "SmolLM2-135M-Instruct (Q4_1 GGUF) on llama.cpp, streamed. A tiny local stand-in for "
        "meta/meta-llama-3.1-405b-instruct: same inputs, far weaker answers."
    )
    stands_in_for = "meta/meta-llama-3.1-405b-instruct"
    title = "SmolLM2-135M"
    Input = Input
    output_schema = {
        "type": "array",
        "items": {"type": "string"},
        "title": "Output",
        "x-cog-array-type": "iterator",
        "x-cog-array-display": "concatenate",
    }
    streams = True
    context_tokens = N_CTX

    def __init__(self) -> None:
        self._server: Any = None
        self._generating: threading.Thread | None = None

    def availability(self) -> str | None:
        reason = missing_weights(STORE, GGUF)
        if reason:
            return reason
        try:
            import importlib.util

            if importlib.util.find_spec("xllamacpp") is None:
                return "the llama.cpp runtime is missing: run `pip install xllamacpp`"
        except (ImportError, ValueError):
            return "the llama.cpp runtime is missing: run `pip install xllamacpp`"
        return None

    def load(self, ctx: PredictContext) -> None:
        require(self.availability())
        # llama.cpp's OpenMP threads spin on a busy 2-core machine unless told to sleep; this
        # must be set before the native library loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import xllamacpp

        from playground.engine import model_store

        path = model_store.path_for(STORE) / GGUF
        with loading(ctx, "SmolLM2-135M-Instruct", path):
            params = xllamacpp.CommonParams()
            params.model.path = str(path)
            params.warmup = False
            # Exactly the context the model JSON lists: llama.cpp would otherwise shrink it to
            # fit the free memory it measures (and take 0.15 s of the load to measure it).
            params.fit_params = False
            params.n_ctx = self.context_tokens
            params.n_parallel = 1
            threads = max(1, min(4, os.cpu_count() or 1))
            params.cpuparams.n_threads = threads
            params.cpuparams_batch.n_threads = threads
            params.cache_ram_mib = 0
            params.verbosity = 1  # errors only: llama.cpp logs every request otherwise
            self._server = xllamacpp.Server(params)

    def unload(self) -> bool:
        if self._generating is not None and self._generating.is_alive():
            return False  # a generation given up on (after 30 s) still runs in llama.cpp
        self._server = None  # its last reference: llama.cpp frees the model and its cache
        return True

    def _request(self, inp: Input, ctx: PredictContext) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {
            "stream": True,
            "max_tokens": inp.max_tokens,
            "temperature": inp.temperature,
            "top_p": inp.top_p,
            "top_k": inp.top_k,
            "presence_penalty": inp.presence_penalty,
            "frequency_penalty": inp.frequency_penalty,
            "repeat_penalty": REPEAT_PENALTY,
        }
        if inp.seed is not None:
            body["seed"] = inp.seed
        if inp.stop_sequences:
            stops = [s for s in inp.stop_sequences.split(",") if s]
            if stops:
                body["stop"] = stops
        if inp.min_tokens:
            ctx.log(f"min_tokens={inp.min_tokens} is ignored by this local model")
        if inp.prompt_template:
            # A raw template: render it and complete the text as is.
            text = inp.prompt_template.replace("{system_prompt}", inp.system_prompt)
            body["prompt"] = text.replace("{prompt}", inp.prompt)
            return "completions", body
        messages = []
        if inp.system_prompt:
            messages.append({"role": "system", "content": inp.system_prompt})
        # The prompt may hold a rendered multi-turn transcript; it goes in as one user turn.
        messages.append({"role": "user", "content": inp.prompt})
        body["messages"] = messages
        return "chat", body

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Iterator[str]:
        assert isinstance(inputs, Input)
        kind, body = self._request(inputs, ctx)
        server = self._server
        pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            if isinstance(chunk, dict) and chunk.get("choices"):
                choice = chunk["choices"][0]
                text = (choice.get("delta") or {}).get("content") or choice.get("text")
                if text:
                    pieces.put(("text", text))
                if chunk.get("timings"):
                    pieces.put(("timings", chunk["timings"]))
            elif isinstance(chunk, dict) and ("error" in chunk or "code" in chunk):
                err = chunk.get("error", chunk)
                pieces.put(("error", err.get("message", err) if isinstance(err, dict) else err))
                return True
            # True tells llama.cpp to stop generating (cancel, or the consumer went away).
            return stop.is_set() or ctx.cancel_event.is_set()

        def run() -> None:
            try:
                if kind == "chat":
                    server.handle_chat_completions(body, on_chunk)
                else:
                    server.handle_completions(body, on_chunk)
            except Exception as exc:  # surfaced to predict's caller below
                pieces.put(("error", str(exc)))
            finally:
                pieces.put(("end", None))

        worker = threading.Thread(target=run, name="smollm2-generate", daemon=True)
        self._generating = worker
        start = time.perf_counter()
        worker.start()
        try:
            while True:
                ctx.check()
                try:
                    what, value = pieces.get(timeout=0.1)
                except queue.Empty:
                    continue
                if what == "end":
                    break
                if what == "error":
                    raise _plain_error(str(value))
                if what == "timings":
                    # As Replicate's language models report them: the UI tells a cut-off
                    # answer (output_token_count reached max_tokens) from a finished one.
                    # prompt_n counts only the tokens read anew: a prompt sharing its start
                    # with the last one is mostly in the cache (cache_n), and read "1 tokens".
                    read, cached = value.get("prompt_n"), value.get("cache_n")
                    prompt = (read if isinstance(read, int) else 0) + (
                        cached if isinstance(cached, int) else 0)
                    if isinstance(read, int):
                        ctx.metrics["input_token_count"] = prompt
                    if isinstance(value.get("predicted_n"), int):
                        ctx.metrics["output_token_count"] = value["predicted_n"]
                    ctx.log(
                        f"prompt {prompt} tokens, generated "
                        f"{value.get('predicted_n')} tokens at "
                        f"{value.get('predicted_per_second', 0):.1f} tokens/s"
                    )
                    continue
                ctx.check()
                yield value
            ctx.check()
        finally:
            stop.set()
            worker.join(timeout=30)
            ctx.log(f"generation took {time.perf_counter() - start:.2f} s")
