"""The MCP tools for any model of the backend: `search_models`, `describe_model` (its inputs,
from its schema), `run_model`, and `compare` (2 to 4 models on one input). Inputs are checked
against the model's schema as the Models tab checks its form (`forms.coerce_inputs`: types,
ranges, choices), and a file input is a URL or data: URI, never a path on this server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from playground.forms import InputProblem, coerce_inputs
from playground.results import RunResult
from playground.service import Caller, ModelSetup, OnUpdate, tool_file
from playground.service import FileRefused as _FileRefused
from playground.ui.context import AppContext
from playground.ui.mcp.common import (
    as_json,
    plain_error,
    refuse,
    result_reply,
    run_call,
    text_input,
    token_of,
)

MAX_FOUND = 20  # models a search answers with
MAX_INPUTS = 300
PLACEHOLDER = "https://example.invalid/file"  # stands for decoded bytes in the check


def model_tools(ctx: AppContext) -> list[Callable[..., Any]]:
    """The model tools, bound to `ctx`."""

    async def search_models(query: str, request: gr.Request | None = None) -> str:
        """Find models on this playground's backend (Replicate's catalog, or the local engine's
        models offline) by words in their name or description. Takes about a second.

        It answers JSON text: models, a list (at most 20, best first) of {model (owner/name),
        description, official, run_count}. Pass a model to describe_model or run_model.

        Args:
            query: words to look for, e.g. "upscale" or "speech to text" (1 to 200 characters).
        """
        words = text_input(query, "The query")[:200]
        try:
            cards = await ctx.service.catalog.search_models(words, token=token_of(request))
        except Exception as exc:
            raise plain_error(ctx, exc) from None
        return as_json({"models": [
            {"model": c.ref, "description": c.description, "official": c.official,
             "run_count": c.run_count} for c in cards[:MAX_FOUND]]})

    async def describe_model(model: str, request: gr.Request | None = None) -> str:
        """The inputs a model takes, from its schema: call this before run_model. Takes about
        a second.

        It answers JSON text: model, version, description, output (what it returns), and inputs: a
        list of {name, type, required, default, choices, range, file, description}.

        Args:
            model: the model as owner/name (its latest version) or owner/name:version.
        """
        chosen = await _find(ctx, model, request)
        return as_json({
            "model": chosen.card.ref, "version": chosen.version,
            "description": chosen.card.description, "output": chosen.output.kind,
            "inputs": [_input_of(f) for f in chosen.form]})

    async def run_model(model: str, input: dict[str, Any],
                        request: gr.Request | None = None) -> str:
        """Run any model of the backend with the inputs its schema takes (see describe_model),
        and wait for its output. Usually seconds to a few minutes, depending on the model.

        It answers JSON text: status, model, version, predict_seconds, total_seconds, text (a text
        output) and files: [{url, content_type, bytes, size, width, height}].

        Args:
            model: the model as owner/name (its latest version) or owner/name:version.
            input: the model's inputs by name, e.g. {"prompt": "a fox"}; files as URL or data: URI.
        """
        chosen = await _find(ctx, model, request)
        inputs = _inputs(ctx, chosen, input)
        return as_json(await _run(ctx, chosen, inputs, "models", request))

    async def compare(models: list[str], input: dict[str, Any],
                      request: gr.Request | None = None) -> str:
        """Run 2 to 4 models on the same input, side by side, and get each one's output and
        timing. Each model gets the inputs its schema has (others are left out, and said).
        Takes as long as the slowest model.

        It answers JSON text: results, one per model in order: {model, status, predict_seconds,
        total_seconds, text, files: [{url, content_type, bytes, size}], left_out} or {model, error}.

        Args:
            models: 2 to 4 models, each owner/name or owner/name:version, all different.
            input: the inputs by name, e.g. {"prompt": "a fox"}; files as URL or data: URI.
        """
        if not isinstance(models, list) or not 2 <= len(models) <= 4:
            raise refuse("models must be a list of 2 to 4 models (owner/name).")
        names = [str(m).strip() for m in models]
        if len(set(names)) != len(names):
            raise refuse("models must all be different.")
        if not isinstance(input, dict) or len(input) > MAX_INPUTS:
            raise refuse("input must be an object of inputs by name.")

        async def one(name: str) -> dict[str, Any]:
            try:
                chosen = await _find(ctx, name, request)
                own = {k: v for k, v in input.items() if k in chosen.form}
                inputs = _inputs(ctx, chosen, own)
                left_out = sorted(k for k in input if k not in chosen.form)
                reply = await _run(ctx, chosen, inputs, "compare", request)
                return {**reply, **({"left_out": left_out} if left_out else {})}
            except gr.Error as exc:
                return {"model": name, "error": exc.message}

        results = await asyncio.gather(*(one(name) for name in names))
        return as_json({"results": list(results)})

    return [search_models, describe_model, run_model, compare]


async def _find(ctx: AppContext, model: Any, request: gr.Request | None) -> ModelSetup:
    text = text_input(model if isinstance(model, str) else "", "The model")
    try:
        return await ctx.service.catalog.find_model(text, token=token_of(request))
    except Exception as exc:
        raise plain_error(ctx, exc) from None


def _inputs(ctx: AppContext, chosen: ModelSetup, given: Any) -> dict[str, Any]:
    """`given`, checked against the model's schema; a file only as a URL or data: URI (one of
    this app's own output URLs is that output file)."""
    if not isinstance(given, dict) or len(given) > MAX_INPUTS:
        raise refuse("input must be an object of the model's inputs by name.")
    values, decoded = dict(given), {}
    for f in chosen.form:
        if not f.is_file or values.get(f.name) in (None, ""):
            continue
        many = f.kind == "files" and isinstance(values[f.name], list)
        items = [_file_value(ctx, f.label, item) for item in
                 (values[f.name] if many else [values[f.name]])]
        if any(isinstance(item, bytes) for item in items):
            # a data: URI's bytes are uploaded by the service (checked like any upload); the
            # schema check sees a URL in their place (a long URI is not "too long text")
            decoded[f.name] = items if many else items[0]
            items = [PLACEHOLDER if isinstance(item, bytes) else item for item in items]
        values[f.name] = items if many else items[0]
    try:
        checked = coerce_inputs(chosen.form, values, file_roots=[ctx.output_dir])
    except (InputProblem, ValueError) as exc:
        raise refuse(f"{chosen.card.ref}: {exc}") from None
    return {**checked, **decoded}


def _file_value(ctx: AppContext, label: str, value: Any) -> bytes | str | Path:
    try:
        found = tool_file(value, label, output_dir=ctx.output_dir,
                          max_bytes=ctx.max_upload_bytes)
    except _FileRefused as exc:
        raise refuse(str(exc)) from None
    return found  # an own output's Path: coerce_inputs confines it to the outputs again


async def _run(ctx: AppContext, chosen: ModelSetup, inputs: dict[str, Any], tab: str,
               request: gr.Request | None) -> dict[str, Any]:
    secrets = [f.name for f in chosen.form if f.secret]

    async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
        return await ctx.service.run_model(chosen.run_ref, inputs, token=token,
                                           on_update=on_update, caller=caller,
                                           secret_inputs=secrets)

    # run_call says every failure as a plain gr.Error
    return result_reply(await run_call(ctx, tab, request, call), request)


def _input_of(f: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"name": f.name, "type": f.value_type, "required": f.required}
    if f.has_default and not f.secret:
        found["default"] = f.default
    if f.choices:
        found["choices"] = list(f.choices)
    if f.range_text():
        found["range"] = f.range_text()
    if f.is_file:
        found["file"] = f"{f.file_kind or 'any'}: an http(s) URL or a data: URI"
    if f.secret:
        found["secret"] = True
    if f.description:
        found["description"] = f.description
    return found
