"""Compare entries' own forms: each entry gets the form of its model (the shared inputs, files
and secrets left out), as the Models tab makes it. What an entry's form differs from the
model's defaults becomes that entry's overrides; the JSON box stays, under Advanced, for
anything else, and wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import gradio as gr

from playground.compare.forms import FormProblem, entry_form, entry_overrides, parse_json_object
from playground.service import ModelProblem, ModelSetup
from playground.ui.context import AppContext
from playground.ui.schema_form import render_form

TAB = "compare"


@dataclass
class EntryForm:
    """One entry's form: the model it was made for, and the values its fields hold."""

    setup: gr.State  # {"setup": ModelSetup, "values": {...}} or None (a preset, no model yet)
    values: gr.State  # {input name: value} as the fields hold them
    note: gr.Markdown


def entry_form_block(ctx: AppContext, index: int, task: gr.Radio) -> EntryForm:
    """The accordion with an entry's form (call inside the layout, under the entry's row)."""
    setup, values = gr.State(None), gr.State({})
    with gr.Accordion(f"Entry {index + 1}: its own inputs", open=False,
                      elem_id=f"{TAB}-entry-{index}-form-box"):
        note = gr.Markdown("", elem_classes=["run-details"], elem_id=f"{TAB}-entry-{index}-note")

        @gr.render(inputs=[setup, task])
        def form(state: dict[str, Any] | None, task_value: str) -> None:
            if not state:
                return
            chosen: ModelSetup = state["setup"]
            own = entry_form(chosen.form, task_value)
            if not len(own):
                gr.Markdown("This model has no inputs beyond the shared ones.",
                            elem_classes=["run-details"])
                return
            made = render_form(own, state.get("values"), f"{TAB}-e{index}")
            for field, component in zip(own, made, strict=True):
                component.change(_setter(field.name), inputs=[component, values],
                                 outputs=[values], api_visibility="private",
                                 show_progress="hidden", queue=False)
    return EntryForm(setup, values, note)


async def load_entry(ctx: AppContext, index: int, ref: Any, overrides_json: Any, task: str,
                     token: str | None) -> tuple[Any, dict[str, Any], Any, str]:
    """(setup state, values, the JSON box, a note) for the entry's model: the JSON box's
    values that are inputs of the form move into it."""
    ref = str(ref or "").strip()
    if not ref:
        return None, {}, gr.skip(), ""
    if ref.startswith("preset:"):
        return None, {}, gr.skip(), "A preset: its inputs come from the preset."
    try:
        chosen = await ctx.service.catalog.find_model(ref, token=token)
    except ModelProblem as exc:
        return None, {}, gr.skip(), str(exc)
    except Exception:  # noqa: BLE001 - the round itself will say what is wrong
        return None, {}, gr.skip(), "The model's inputs could not be read now."
    own = entry_form(chosen.form, task)
    try:
        given = parse_json_object(str(overrides_json or ""), "overrides")
    except FormProblem:
        given = {}
    folded = {k: v for k, v in given.items() if k in own}
    rest = {k: v for k, v in given.items() if k not in own}
    box = json.dumps(rest) if rest else ""
    return {"setup": chosen, "values": folded}, folded, box if folded else gr.skip(), ""


def overrides_of(index: int, state: dict[str, Any] | None, values: dict[str, Any] | None,
                 task: str) -> dict[str, Any]:
    """The entry's form as overrides (only what differs from the defaults); FormProblem names
    the entry and the field."""
    if not state:
        return {}
    own = entry_form(state["setup"].form, task)
    return entry_overrides(own, dict(values or {}), index)


def _setter(name: str) -> Any:
    def set_value(value: Any, values: dict[str, Any] | None) -> dict[str, Any]:
        return {**(values or {}), name: value}

    return set_value
