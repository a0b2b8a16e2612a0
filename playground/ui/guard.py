"""Hardening Gradio itself against crafted requests: what the page's own events cannot catch.

Applied once by `serve()`. A browser (or any script) may send any JSON for an event's inputs;
these close what Gradio leaves open and say Gradio's own refusals in a sentence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
from gradio.data_classes import FileData, ImageData
from gradio.exceptions import ComponentProcessingError, InvalidPathError
from pydantic import ValidationError  # what Gradio raises for a payload that fits no field

from playground.service import pixel_problem
from playground.ui.inputs import NOT_UPLOADED, is_upload

_REFUSED = NOT_UPLOADED[:1].upper() + NOT_UPLOADED[1:]
_GUARDED: set[int] = set()  # ids of the Blocks (and image boxes) already guarded


def confine_uploads(demo: gr.Blocks) -> None:
    """Every image box of `demo` reads only files uploaded to the page.

    Gradio checks that an upload lives in its upload folder only for payloads that carry
    `meta`; gr.Image's payload model does not require it, so without this a browser could have
    any image on the server's disk read (and sent to a model)."""
    for block in demo.blocks.values():
        if isinstance(block, gr.Image) and id(block) not in _GUARDED:
            _GUARDED.add(id(block))
            block.preprocess = _confined(block.preprocess)  # type: ignore[method-assign]


def plain_refusals(demo: gr.Blocks) -> None:
    """Gradio's own refusals of a crafted request (a file path outside its upload folder, a
    value its component cannot take) reach the page as an anonymous error and a traceback in
    the console: say them in a sentence instead."""
    if id(demo) in _GUARDED:
        return
    _GUARDED.add(id(demo))
    original = demo.preprocess_data

    async def preprocess_data(*args: Any, **kwargs: Any) -> Any:
        try:
            return await original(*args, **kwargs)
        except gr.Error:
            raise
        except InvalidPathError:
            raise gr.Error(_REFUSED, title="File refused",
                           print_exception=False) from None
        except (ValidationError, ComponentProcessingError, ValueError, TypeError):
            raise gr.Error("A value sent with this request does not fit its field (for example "
                           "text where a file or a number belongs, or a number that is not "
                           "finite). Check the inputs and try again.", title="Request refused",
                           print_exception=False) from None

    demo.preprocess_data = preprocess_data  # type: ignore[method-assign]


def _confined(preprocess: Any) -> Any:
    def checked(payload: Any) -> Any:
        path = payload.path if isinstance(payload, ImageData | FileData) else None
        if path and not is_upload(path):
            raise gr.Error(_REFUSED, title="File refused",
                           print_exception=False)
        # Gradio decodes the image next: refuse a huge one (a decompression bomb) first
        problem = pixel_problem(f"“{Path(path).name}”", Path(path)) if path else None
        if problem:
            raise gr.Error(problem, title="Image too large", print_exception=False)
        return preprocess(payload)

    return checked
