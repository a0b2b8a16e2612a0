"""Hardening Gradio itself against crafted requests: what the page's own events cannot catch.

Applied once by `serve()`. A browser (or any script) may send any JSON for an event's inputs;
these close what Gradio leaves open and say Gradio's own refusals in a sentence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from playground.service import pixel_problem
from playground.ui.gradio_compat import (
    PAYLOAD_REFUSALS,
    PathRefused,
    upload_path,
    wrap_preprocess,
    wrap_preprocess_data,
)
from playground.ui.kit.inputs import NOT_UPLOADED, is_upload

_REFUSED = NOT_UPLOADED[:1].upper() + NOT_UPLOADED[1:]


def confine_uploads(demo: gr.Blocks) -> None:
    """Every image box of `demo` reads only files uploaded to the page.

    Gradio checks that an upload lives in its upload folder only for payloads that carry
    `meta`; gr.Image's payload model does not require it, so without this a browser could have
    any image on the server's disk read (and sent to a model)."""
    for block in demo.blocks.values():
        if isinstance(block, gr.Image):
            wrap_preprocess(block, _confined)


def plain_refusals(demo: gr.Blocks) -> None:
    """Gradio's own refusals of a crafted request (a file path outside its upload folder, a
    value its component cannot take) reach the page as an anonymous error and a traceback in
    the console: say them in a sentence instead."""
    wrap_preprocess_data(demo, _plain)


def _plain(original: Any) -> Any:
    async def preprocess_data(*args: Any, **kwargs: Any) -> Any:
        try:
            return await original(*args, **kwargs)
        except gr.Error:
            raise
        except PathRefused:
            raise gr.Error(_REFUSED, title="File refused",
                           print_exception=False) from None
        except PAYLOAD_REFUSALS:
            raise gr.Error("A value sent with this request does not fit its field (for example "
                           "text where a file or a number belongs, or a number that is not "
                           "finite). Check the inputs and try again.", title="Request refused",
                           print_exception=False) from None

    return preprocess_data


def _confined(preprocess: Any) -> Any:
    def checked(payload: Any) -> Any:
        path = upload_path(payload)
        if path and not is_upload(path):
            raise gr.Error(_REFUSED, title="File refused",
                           print_exception=False)
        # Gradio decodes the image next: refuse a huge one (a decompression bomb) first
        problem = pixel_problem(f"“{Path(path).name}”", Path(path)) if path else None
        if problem:
            raise gr.Error(problem, title="Image too large", print_exception=False)
        return preprocess(payload)

    return checked
