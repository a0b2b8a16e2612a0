"""Gradio's private internals live in ui/gradio_compat.py alone, each behind a door with a test."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import gradio as gr

from playground.ui import gradio_compat
from playground.ui.gradio_compat import (
    current_page,
    label_in_config,
    upload_folder,
    upload_path,
    wrap_preprocess,
    wrap_preprocess_data,
)

ROOT = Path(__file__).parents[2] / "playground"
# Gradio's names that are not its public API (gr.* as documented, gradio_client): its modules
# reached directly, its private attributes, and the patches the app once made.
PRIVATE = re.compile(
    r"\bfrom gradio\.\w+|\bimport gradio\.\w+|\bgr\.(context|utils|blocks|routes|"
    r"processing_utils|block_function|data_classes|exceptions)\b|root_block|trigger_after|"
    r"\._setup_\w+|_append_message_to_history|\._id\b|\.fns\b|"
    r"\bget_config\s*=|\.preprocess\s*=|\.postprocess\s*=|preprocess_data\s*=")


def test_gradio_private_names_appear_only_in_the_compat_module() -> None:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        source = path.read_text()
        if path.name == "gradio_compat.py" or not re.search(r"^\s*(import|from) gradio\b",
                                                               source, re.M):
            continue  # a module that never imports gradio reaches none of its internals
        for number, line in enumerate(source.splitlines(), 1):
            if PRIVATE.search(line.split("#", 1)[0]):
                found.append(f"{path.relative_to(ROOT.parent)}:{number}: {line.strip()}")
    assert found == []


def test_the_compat_module_checks_the_version_before_its_private_names() -> None:
    source = Path(gradio_compat.__file__).read_text()
    assert source.index("require_supported_gradio()") < source.index("import gradio")


def test_a_block_is_wrapped_once_and_marked_on_itself() -> None:
    calls: list[str] = []

    def wrap(original):  # type: ignore[no-untyped-def]
        def checked(payload):  # type: ignore[no-untyped-def]
            calls.append("checked")
            return original(payload)
        return checked

    box = gr.Textbox(render=False)
    wrap_preprocess(box, wrap)
    wrap_preprocess(box, wrap)
    assert box.preprocess("x") == "x"
    assert calls == ["checked"]
    # a new block is never taken for one already wrapped (an id() can be reused after a
    # collection; a mark on the block itself cannot)
    del box
    gc.collect()
    fresh = [gr.Textbox(render=False) for _ in range(50)]
    assert not any(vars(b).get("_playground_guarded") for b in fresh)


def test_every_event_reads_its_inputs_through_the_wrapper_once() -> None:
    with gr.Blocks() as demo:
        gr.Textbox()
    seen: list[object] = []

    def wrap(original):  # type: ignore[no-untyped-def]
        seen.append(original)
        return original

    wrap_preprocess_data(demo, wrap)
    wrap_preprocess_data(demo, wrap)
    assert len(seen) == 1


def test_the_doors_answer_as_the_app_expects() -> None:
    with gr.Blocks() as demo:
        assert current_page() is demo
        state = gr.BrowserState(None, storage_key="k")
        label_in_config(state, "API token")
    assert state.get_config()["label"] == "API token"
    assert Path(upload_folder()).is_absolute()
    assert upload_path("not a payload") is None
