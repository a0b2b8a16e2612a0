"""Compare entries' own forms: each entry gets the form of its model (the shared inputs left
out), as the Models tab makes it, its own files and secrets included. What an entry's form
differs from the model's defaults becomes that entry's overrides; the JSON box stays, under
Advanced, for anything else, and wins.

The fields' values live in the browser: every field writes itself into a hidden JSON value by
a browser-only event, and Run sends those along with its click. A change event that stored them
on the server could arrive after the click that reads them (a value typed just before Run lost).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from playground.compare.forms import (
    FormProblem,
    entry_form,
    entry_overrides,
    entry_title,
    parse_json_object,
)
from playground.forms import InputForm
from playground.service import ModelProblem, ModelSetup
from playground.ui.context import AppContext
from playground.ui.gradio_compat import current_page, upload_folder
from playground.ui.kit.schema_form import ONE_RENDER_AT_A_TIME, form_values, render_form

TAB = "compare"
# (field value, the values so far) -> the values with this field's: runs in the browser
_KEEP = "(value, values) => Object.assign({{}}, values || {{}}, {{{name}: value}})"
JSON_HINT = '{"scale": 2}'


@dataclass
class EntryForm:
    """One entry's form: the model it was made for, and the values its fields hold."""

    setup: gr.State  # {"setup": ModelSetup, "values": {...}} or None (a preset, no model yet)
    values: gr.JSON  # {input name: value} as the browser holds them (hidden; sent with Run)
    note: gr.Markdown
    box: gr.Textbox  # Advanced: more inputs as {"name": value}


def entry_form_block(ctx: AppContext, index: int, task: gr.Radio, hint: str,
                     start: str) -> EntryForm:
    """The accordion with an entry's form (call inside the layout, under the entry's row)."""
    setup = gr.State(None)
    values = gr.JSON({}, visible=False, label=f"Entry {index + 1} settings",
                     elem_id=f"{TAB}-entry-{index}-values")
    with gr.Accordion(f"Entry {index + 1}: its own settings", open=False,
                      elem_id=f"{TAB}-entry-{index}-form-box"):
        note = gr.Markdown("", elem_classes=["run-details"], elem_id=f"{TAB}-entry-{index}-note")

        @gr.render(inputs=[setup, task], **ONE_RENDER_AT_A_TIME)
        def form(state: dict[str, Any] | None, task_value: str) -> None:
            if not state:
                return
            chosen: ModelSetup = state["setup"]
            own = entry_form(chosen.form, task_value)
            if not len(own):
                gr.Markdown("This model has no settings beyond the shared ones.",
                            elem_classes=["run-details"])
                return
            made = render_form(own, state.get("values"), f"{TAB}-e{index}")
            for field, component in zip(own, made, strict=True):
                component.change(None, inputs=[component, values], outputs=[values],
                                 js=_KEEP.format(name=json.dumps(field.name)))

        with gr.Accordion("Advanced", open=False, elem_id=f"{TAB}-entry-{index}-advanced"):
            box = gr.Textbox(start, label="More settings for this entry",
                             info='Written as {"name": value}; these win over the form.',
                             placeholder=hint, elem_id=f"{TAB}-overrides-{index}")
    return EntryForm(setup, values, note, box)


async def load_entry(ctx: AppContext, index: int, ref: Any, overrides_json: Any, task: str,
                     token: str | None, current: Any = None,
                     starter: str = "") -> tuple[Any, dict[str, Any], Any, str]:
    """(setup state, values, the JSON box, a note) for the entry's model: the JSON box's
    values that are inputs of the form move into it (with an empty box, the `starter`'s: the
    page's first entries), and the `current` values the new form also has stay. The box is
    written only when what it says changes: a late answer never puts back text over what a
    person has typed since."""
    ref = str(ref or "").strip()
    if not ref:
        return None, {}, gr.skip(), ""
    if ref.startswith("preset:"):
        return None, {}, gr.skip(), "A preset: its settings come from the preset."
    try:
        chosen = await ctx.service.catalog.find_model(ref, token=token)
    except ModelProblem as exc:
        return None, {}, gr.skip(), str(exc)
    except Exception:  # noqa: BLE001 - the round itself will say what is wrong
        return None, {}, gr.skip(), "The model's settings could not be read now."
    own = entry_form(chosen.form, task)
    typed = str(overrides_json or "")
    try:
        given = parse_json_object(typed or starter, "overrides")
    except FormProblem:
        given = {}

    def movable(k: str) -> bool:
        return k in own and not own[k].is_file and not own[k].secret

    kept = {k: v for k, v in current.items() if movable(k)} if isinstance(current, dict) else {}
    folded = {k: v for k, v in given.items() if movable(k)}
    values = {**kept, **folded}
    rest = {k: v for k, v in given.items() if k not in folded}
    box = json.dumps(rest) if rest else ""
    return ({"setup": chosen, "values": values, "ref": ref}, values,
            box if typed and folded and box != typed.strip() else gr.skip(), "")


def overrides_of(index: int, state: dict[str, Any] | None, values: Any, task: str,
                 roots: list[Path] | None = None) -> tuple[dict[str, Any], frozenset[str]]:
    """(the entry's form as overrides: only what was set, files as Paths from `roots`; the
    names of its secret inputs). FormProblem names the entry and the field."""
    if not state:
        return {}, frozenset()
    own = entry_form(state["setup"].form, task)
    raw = {k: v for k, v in values.items() if k in own} if isinstance(values, dict) else {}
    given = InputForm(tuple(f for f in own if f.name in raw))
    converted = form_values(given, [raw[f.name] for f in given])
    secrets = frozenset(f.name for f in own if f.secret)
    # an emptied password field means "not given", not "send an empty key"
    converted = {k: v for k, v in converted.items() if not (k in secrets and not v)}
    return entry_overrides(own, converted, index, file_roots=roots), secrets


def entries_overrides(task: str, states: list[Any], values: list[Any]
                      ) -> tuple[list[dict[str, Any]], list[frozenset[str]]]:
    """Every entry's form as overrides, and its secret inputs' names, in entry order."""
    roots = [Path(upload_folder())]
    found = [overrides_of(i, state, value, task, roots)
             for i, (state, value) in enumerate(zip(states, values, strict=True))]
    return [f[0] for f in found], [f[1] for f in found]


def entry_name(index: int, ref: Any, state: dict[str, Any] | None, values: Any, box: Any,
               task: str) -> str:
    """The entry's name as its pane and its runs will show it ("" when no model is chosen):
    the model and the settings its form and its Advanced box change, secrets and files left
    out (a key is never shown; a file's name says nothing)."""
    ref = str(ref or "").strip()
    if not ref:
        return ""
    try:
        own, secrets = overrides_of(index, state, values, task)
    except (FormProblem, ValueError, OSError):  # a value being typed: named by the rest
        own, secrets = {}, frozenset()
    try:
        boxed = parse_json_object(str(box or ""), "")
    except FormProblem:
        boxed = {}
    shown = {k: v for k, v in {**own, **boxed}.items()
             if k not in secrets and not isinstance(v, Path | dict | list)}
    return entry_title(ref, shown)


def wire_entry_forms(ctx: AppContext, page: Any,
                     starters_of: Callable[[str], list[tuple[str | None, str]]]) -> None:
    """An entry's form follows its model (and the task): when either changes, and when the
    page opens (with `starters_of(task)`'s settings: (model, its settings as JSON) per entry).
    `page` is the tab's ComparePage."""
    forms: list[EntryForm] = page.entry_forms
    for i, (ref, box, form) in enumerate(zip(page.refs, page.overrides, forms, strict=True)):
        async def changed(ref_value: Any, json_box: Any, task: str, state: Any, current: Any,
                          token: Any = None, request: gr.Request | None = None, *,
                          index: int = i) -> tuple[Any, ...]:
            # the same model again (the page redrawing its list): its settings stay
            same = isinstance(state, dict) and state.get("ref") == str(ref_value or "").strip()
            return await load_entry(ctx, index, ref_value, json_box, task,
                                    ctx.owners.token(token, request), current if same else None)

        ref.change(changed, inputs=[ref, box, page.task, form.setup, form.values,
                                    ctx.token_state],
                   outputs=[form.setup, form.values, box, form.note], api_visibility="private",
                   show_progress="hidden", show_progress_on=[form.note])

    # `request` first: Gradio passes it at its parameter's place, before the inputs
    async def opened(request: gr.Request, *args: Any) -> list[Any]:
        n = len(forms)
        refs, boxes, task = args[:n], args[n:2 * n], args[2 * n]
        token = ctx.owners.token(args[2 * n + 1], request)
        values = args[2 * n + 2:]
        # the page's first entries carry their settings here, not in their boxes: a box the
        # page wrote as it opened could land over what a person had typed in it meanwhile
        rows = starters_of(task)
        out: list[Any] = []
        loaded = [await load_entry(ctx, i, refs[i], boxes[i], task, token, values[i],
                                   rows[i][1] if rows[i][0] == refs[i] else "")
                  for i in range(n)]
        for part in range(4):  # setups, values, boxes, notes: in the outputs' order
            out += [row[part] for row in loaded]
        return out

    root = current_page()
    root.load(opened, inputs=[*page.refs, *page.overrides, page.task, ctx.token_state,
                              *[f.values for f in forms]],
              outputs=[*[f.setup for f in forms], *[f.values for f in forms],
                       *page.overrides, *[f.note for f in forms]],
              # one progress target: why in tests/ui/test_progress_targets.py
              show_progress="hidden", show_progress_on=[forms[0].note], api_visibility="private")
