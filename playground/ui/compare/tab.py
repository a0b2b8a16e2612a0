"""Compare tab: 2-4 models side by side on the same input and seed, votes, export and replay.

The logic lives in `playground.compare` (no gradio there); `compare_view` renders a session into
the tab's components, `compare_actions` holds the handlers. Here: `build()`, layout and wiring.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import gradio as gr

from playground.compare.ballots import BallotBox
from playground.compare.forms import FILE_INPUTS, MODEL_AXIS_LABEL, PROMPT_TASKS, axis_choices
from playground.compare.session import MAX_ENTRIES
from playground.ui.compare.actions import (
    again,
    compare,
    export,
    grid,
    load,
    model_form,
    reveal,
    show_after_vote,
    stop,
    switch,
    vote,
)
from playground.ui.compare.add import CompareAdd
from playground.ui.compare.arena import arena_box, wire_arena
from playground.ui.compare.board import board_box
from playground.ui.compare.forms import entry_form_block, entry_name, wire_entry_forms
from playground.ui.compare.prompt_set import set_box, wire_set
from playground.ui.compare.room import room_box, wire_room
from playground.ui.compare.view import (
    GRID_TASKS,
    PLACEHOLDERS,
    TAB,
    TEXT_TASKS,
    VOTE_CHOICES,
    ComparePage,
    cannot_run,
    choices,
    pane_head,
    shows_nothing,
    starters,
    summary_table,
    task_choices,
)
from playground.ui.context import AppContext
from playground.ui.gradio_compat import current_page
from playground.ui.kit.runner import bind

# Run brings the results into view at once: they sit under the entries' long forms (about
# 2000 px down at 1280x900), and the panes fill in while the person watches.
TO_RESULTS = (f"() => document.getElementById('{TAB}-run')"
              ".scrollIntoView({block: 'start', behavior: 'instant'})")
NO_Y = ("Nothing: vary X alone", "")
ENTRY_HINT = ("Pick a model or a ready-made preset from the list, or type a Replicate "
              "model's name, e.g. nightmareai/real-esrgan")


def wire_entry_names(page: ComparePage) -> None:
    """Each entry's header and its pane are named after the entry (model and what it changes)
    whenever either changes: two entries of one model read differently before any run."""
    for i, (ref, box, form) in enumerate(zip(page.refs, page.overrides, page.entry_forms,
                                             strict=True)):
        def name(ref_value: Any, state: Any, values: Any, json_box: Any, task: str,
                 head: str | None, *,
                 index: int = i) -> tuple[Any, ...]:
            title = entry_name(index, ref_value, state, values, json_box, task)
            shown = str(ref_value or "").strip()
            header = gr.Dropdown(label=f"Entry {index + 1}" + (
                f" · {title}" if title and title != shown else ""))
            if not shows_nothing(head):  # the pane shows what ran (or came from History)
                return header, gr.skip(), gr.skip(), gr.skip()
            label = title or "Output"
            return (header, pane_head(None, None, index, title), gr.Image(label=label),
                    gr.Textbox(label=label))

        # A person's edits (`.input`) and the entry's form (setup, values: they follow every
        # change of the model, a program's too). Not `ref.change`: History's Add to Compare
        # sets the model and the pane's saved output at once, and a name read from the pane
        # before that output landed put "not run yet" over it.
        gr.on([ref.input, box.input, form.values.change, form.setup.change], name,
              inputs=[ref, form.setup, form.values, box, page.task, page.heads[i]],
              outputs=[ref, page.heads[i], page.images[i], page.texts[i]],
              api_visibility="private", show_progress="hidden")


def wire_grid_axes(ctx: AppContext, model: gr.Dropdown, x_name: gr.Dropdown,
                   y_name: gr.Dropdown) -> None:
    """The grid's settings are offered by their labels, from its model's inputs: when the
    model changes, and when the page opens."""
    async def axes(ref: Any, token: Any = None,
                   request: gr.Request | None = None) -> tuple[Any, Any]:
        found = axis_choices(await model_form(ctx, ref, ctx.owners.token(token, request)))
        return gr.Dropdown(choices=found), gr.Dropdown(choices=[NO_Y, *found])

    # one progress target: it runs on every page load (tests/ui/test_progress_targets.py)
    gr.on([model.change, current_page().load], axes, inputs=[model, ctx.token_state],
          outputs=[x_name, y_name], api_visibility="private", show_progress="hidden",
          show_progress_on=[x_name])


def build(ctx: AppContext) -> CompareAdd:
    """The Compare tab; returns its form, for History's Add to Compare."""
    gr.Markdown("Run **2 to 4 models** on the same input and the same seed, side by side. "
                "Vote on the outputs, then save the comparison (a file to load here again, "
                "and a report to share) or load a saved one to see it again and re-run it.",
                elem_classes=["tab-intro"])
    state = gr.State(None)
    first_task = "image-to-image"
    first_rows = starters(ctx, first_task)
    with gr.Row():
        task = gr.Radio(task_choices(ctx), value=first_task, label="Task",
                        elem_id=f"{TAB}-task")
    # a task this backend cannot run says so when chosen, and Compare is off (see `switch`)
    why = cannot_run(ctx, first_task)
    task_note = gr.Markdown(why, visible=bool(why), elem_id=f"{TAB}-task-note",
                            elem_classes=["unavailable-note"])
    arena_pool, arena_go = arena_box(ctx, first_task)  # for a room: no entries to choose
    refs, entry_forms = [], []
    with gr.Group():
        for i in range(MAX_ENTRIES):
            refs.append(gr.Dropdown(
                choices(ctx, first_task), value=first_rows[i][0], allow_custom_value=True,
                label=f"Entry {i + 1}", info=ENTRY_HINT if i == 0 else None,
                elem_id=f"{TAB}-entry-{i}"))
            # its settings come with the page's first load (`wire_entry_forms`), not in its box
            entry_forms.append(entry_form_block(ctx, i, task, PLACEHOLDERS[first_task][0], ""))
    overrides = [f.box for f in entry_forms]
    with gr.Row(equal_height=False):
        prompt = gr.Textbox(label="Prompt", lines=2, visible=first_task in PROMPT_TASKS,
                            elem_id=f"{TAB}-prompt", scale=3)
        image = gr.Image(type="filepath", label="Image", image_mode=None, height=220,
                         sources=["upload", "clipboard"], elem_id=f"{TAB}-image",
                         visible=FILE_INPUTS.get(first_task) == "image")
        audio = gr.Audio(type="filepath", label="Audio", elem_id=f"{TAB}-audio",
                         visible=FILE_INPUTS.get(first_task) == "audio")
        with gr.Column(scale=2):
            seed = gr.Number(42, label="Seed (the same for every entry)",
                             info="Empty it for a different random start each run.",
                             precision=0, elem_id=f"{TAB}-seed")
            with gr.Accordion("Advanced", open=False, elem_id=f"{TAB}-shared-box"):
                shared = gr.Textbox(label="More settings for every entry",
                                    info='Written as {"name": value}; each model gets the '
                                         "ones it has.",
                                    placeholder=PLACEHOLDERS[first_task][1],
                                    elem_id=f"{TAB}-shared")
    with gr.Row():
        run_btn = gr.Button("Compare", variant="primary", elem_id=f"{TAB}-run", scale=3,
                            interactive=not why)
        again_btn = gr.Button("Run again (same model versions)", elem_id=f"{TAB}-again",
                              scale=2, interactive=not why)
        stop_btn = gr.Button("Stop", variant="stop", elem_id=f"{TAB}-stop", scale=1)
    with gr.Row(equal_height=True):
        blind_box = gr.Checkbox(False, label="Blind: show the outputs as A, B, C… in a random "
                                "order, and which model made which once each has your vote",
                                elem_id=f"{TAB}-blind", scale=4)
        reveal_btn = gr.Button("Reveal", elem_id=f"{TAB}-reveal", scale=1, min_width=100,
                               visible=False)
    share_btn, share_link, room_votes, room_timer, room_ask = room_box()
    set_parts = set_box()
    status = gr.Markdown("", elem_id=f"{TAB}-status")
    ballots = BallotBox(ctx.data_dir)
    columns, heads, images, texts, votes = [], [], [], [], []
    with gr.Row(equal_height=False):
        for i in range(MAX_ENTRIES):
            with gr.Column(elem_id=f"{TAB}-pane-{i}", min_width=220) as column:
                columns.append(column)
                # padding: without it the title touches the pane's border (drawn while running)
                heads.append(gr.Markdown(pane_head(None, None, i), padding=True,
                                         elem_id=f"{TAB}-pane-{i}-head"))
                # checker: a cut-out's transparency shows as such, not as white
                images.append(gr.Image(label="Output", type="filepath", format="png",
                                       interactive=False, height=260, elem_classes=["checker"],
                                       visible=first_task not in TEXT_TASKS,
                                       elem_id=f"{TAB}-pane-{i}-image"))
                texts.append(gr.Textbox(label="Output text", lines=6, max_lines=16,
                                        interactive=False, visible=first_task in TEXT_TASKS,
                                        elem_id=f"{TAB}-pane-{i}-text"))
                votes.append(gr.Radio(VOTE_CHOICES, value=None, label="Your vote",
                                      elem_id=f"{TAB}-pane-{i}-vote"))
    summary = gr.Markdown(summary_table(None), elem_id=f"{TAB}-summary")
    board_box(ctx, ballots, task, state)
    with gr.Accordion("Save and load", open=False, elem_id=f"{TAB}-export-box"):
        with gr.Row():
            export_btn = gr.Button("Save this comparison", elem_id=f"{TAB}-export")
            json_file = gr.File(label="Comparison file (load it here again)",
                                elem_id=f"{TAB}-json", interactive=False)
            html_file = gr.File(label="Report (one web page, to share)", elem_id=f"{TAB}-html",
                                interactive=False)
        load_file = gr.File(label="Load a saved comparison", file_types=[".json"],
                            type="filepath", elem_id=f"{TAB}-load")
    with gr.Accordion("X/Y grid (image models)", open=False, elem_id=f"{TAB}-grid-box",
                      visible=first_task in GRID_TASKS) as grid_box:
        gr.Markdown("Runs one model with the inputs above once per value: one row of "
                    "pictures for X alone, a table for X and Y. To try other models, choose "
                    f"*{MODEL_AXIS_LABEL}* and write their names as the values.")
        with gr.Row():
            grid_ref = gr.Dropdown(choices(ctx, first_task), value="local/rembg",
                                   allow_custom_value=True, label="Model",
                                   elem_id=f"{TAB}-grid-model")
            # the settings by their labels; the value is the input's own name (`axis_choices`)
            x_name = gr.Dropdown(axis_choices(None), value="model", allow_custom_value=True,
                                 label="Setting across (X)", elem_id=f"{TAB}-grid-x")
            x_vals = gr.Textbox("modnet, u2netp", label="Its values, with commas",
                                elem_id=f"{TAB}-grid-xv")
            y_name = gr.Dropdown([NO_Y, *axis_choices(None)], value="", allow_custom_value=True,
                                 label="Setting down (Y, optional)", elem_id=f"{TAB}-grid-y")
            y_vals = gr.Textbox("", label="Its values, with commas", elem_id=f"{TAB}-grid-yv")
        grid_btn = gr.Button("Make grid", elem_id=f"{TAB}-grid-run", interactive=not why)
        grid_image = gr.Image(label="Grid", type="filepath", format="png", interactive=False,
                              elem_classes=["checker"], elem_id=f"{TAB}-grid-image")

    page = ComparePage(state, task, refs, overrides, prompt, image, audio, seed, shared, status,
                       columns, heads, images, texts, votes, summary, json_file, html_file,
                       ctx.data_dir, entry_forms, blind_box=blind_box, room=gr.State(None))
    page.switched = [task_note, run_btn, again_btn, grid_btn, prompt, image, audio, *refs,
                     *overrides, shared, grid_box, grid_ref, x_name, x_vals, y_name, y_vals,
                     grid_image]
    wire_entry_forms(ctx, page, partial(starters, ctx))
    wire_entry_names(page)
    # `bind`, not `partial`, where a handler takes the request: Gradio cannot see the types
    # through a partial, and would pass no request (the runs' owner, the token's cookie).
    # the blind switch last: the API's earlier inputs keep their places
    run_btn.click(bind(compare, ctx, page),
                  inputs=[*page.form, ctx.token_state, state, *page.entry_values, blind_box],
                  outputs=page.round_outputs, api_name="compare",
                  concurrency_limit=ctx.concurrency(2), concurrency_id=f"{TAB}-run")
    again_btn.click(bind(again, ctx, page), inputs=[ctx.token_state, state],
                    outputs=page.round_outputs, api_name="compare_again",
                    concurrency_id=f"{TAB}-run")
    for button in (run_btn, again_btn):
        button.click(None, js=TO_RESULTS, api_visibility="private")
    # Stop stops the round's entries itself and the round then ends with its word (no
    # `cancels=`: see run_round).
    stop_btn.click(bind(stop, ctx, page), inputs=[ctx.token_state, state],
                   outputs=page.round_outputs, api_name="compare_stop")
    for i, radio in enumerate(votes):
        radio.input(bind(vote, ctx, ballots, i), inputs=[radio, state, page.room],
                    outputs=[state, summary],
                    api_name=f"compare_vote_{i}", show_progress="hidden").then(
            partial(show_after_vote, page), inputs=[state], outputs=[*page.panes, summary,
                                                                     status],
            api_visibility="private", show_progress="hidden")
    blind_box.change(None, inputs=[blind_box], outputs=[reveal_btn], api_visibility="private",
                     js="(on) => ({__type__: 'update', visible: on})")
    reveal_btn.click(bind(reveal, ctx, page, ballots), inputs=[state],
                     outputs=[*page.panes, summary, status, state], api_name="compare_reveal",
                     show_progress="hidden")
    export_btn.click(partial(export, ctx, ballots), inputs=[state],
                     outputs=[json_file, html_file, page.status], api_name="compare_export")
    # the API's outputs keep their places; what the task's switch adds comes after them
    loaded = [state, status, summary, task, seed, shared, prompt, image, audio, *refs,
              *overrides, *page.panes]
    load_file.upload(partial(load, ctx, page), inputs=[load_file],
                     outputs=list({id(c): c for c in [*loaded, *page.switched,
                                                      blind_box]}.values()),
                     api_name="compare_load")
    task.input(partial(switch, ctx), inputs=[task], outputs=page.switched,
               api_name="compare_task", show_progress="hidden")
    grid_btn.click(bind(grid, ctx, page),
                   inputs=[*page.form, grid_ref, x_name, x_vals, y_name, y_vals,
                           ctx.token_state, state, *page.entry_values],
                   outputs=[state, grid_image, status], api_name="compare_grid",
                   concurrency_id=f"{TAB}-run")
    wire_grid_axes(ctx, grid_ref, x_name, y_name)
    wire_arena(ctx, page, arena_pool, arena_go, TO_RESULTS, reveal_btn)
    wire_room(ctx, ballots, page, share_btn, share_link, room_votes, room_timer, room_ask)
    wire_set(ctx, page, set_parts, TO_RESULTS, blind_box)
    # History's Add to Compare writes this form (what `switch` updates, in its order)
    return CompareAdd(ctx, page, page.switched, switch)
