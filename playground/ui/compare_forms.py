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
from playground.ui.runner import token_of
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
                # Not preprocessed: a slider's out-of-range value reaches our check (which
                # names the entry and the field) instead of Gradio's own error.
                component.change(_setter(field.name), inputs=[component, values],
                                 outputs=[values], api_visibility="private",
                                 show_progress="hidden", queue=False, preprocess=False)
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


def entries_overrides(task: str, states: list[Any], values: list[Any]) -> list[dict[str, Any]]:
    """Every entry's form as overrides, in entry order."""
    return [overrides_of(i, state, value, task)
            for i, (state, value) in enumerate(zip(states, values, strict=True))]


def wire_entry_forms(ctx: AppContext, page: Any) -> None:
    """An entry's form follows its model (and the task): when either changes, and when the
    page opens. `page` is the tab's ComparePage."""
    assert ctx.token_state is not None
    forms: list[EntryForm] = page.entry_forms
    for i, (ref, box, form) in enumerate(zip(page.refs, page.overrides, forms, strict=True)):
        async def changed(ref_value: Any, json_box: Any, task: str, token: Any = None, *,
                          index: int = i) -> tuple[Any, ...]:
            return await load_entry(ctx, index, ref_value, json_box, task, token_of(token))

        ref.change(changed, inputs=[ref, box, page.task, ctx.token_state],
                   outputs=[form.setup, form.values, box, form.note], api_visibility="private",
                   show_progress="hidden")

    async def opened(*args: Any) -> list[Any]:
        n = len(forms)
        refs, boxes, task, token = args[:n], args[n:2 * n], args[2 * n], args[2 * n + 1]
        out: list[Any] = []
        loaded = [await load_entry(ctx, i, refs[i], boxes[i], task, token_of(token))
                  for i in range(n)]
        for part in range(4):  # setups, values, boxes, notes: in the outputs' order
            out += [row[part] for row in loaded]
        return out

    root = gr.context.Context.root_block
    assert root is not None, "built inside the page's Blocks"
    root.load(opened, inputs=[*page.refs, *page.overrides, page.task, ctx.token_state],
              outputs=[*[f.setup for f in forms], *[f.values for f in forms],
                       *page.overrides, *[f.note for f in forms]], api_visibility="private")


def _setter(name: str) -> Any:
    def set_value(value: Any, values: dict[str, Any] | None) -> dict[str, Any]:
        return {**(values or {}), name: value}

    return set_value
