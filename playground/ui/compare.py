"""Compare tab: 2-4 models side by side on the same input and seed, votes, export and replay.

The logic lives in `playground.compare` (no gradio there); `compare_view` renders a session into
the tab's components. Here: `build()` (layout and wiring) and the handlers, as plain functions
of the context, the page and the event's inputs.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from playground.compare import (
    Axis,
    CompareSession,
    export_html,
    export_json,
    load_json,
    missing_files,
    parse_values,
    run_grid,
)
from playground.compare.forms import FILE_INPUTS, PROMPT_TASKS, TASKS, FormProblem, build_session
from playground.compare.report import load_problem
from playground.compare.safe_files import SessionFileRefused, check_session_files
from playground.compare.session import MAX_ENTRIES, Run, resolve_name
from playground.ui.compare_add import CompareAdd
from playground.ui.compare_forms import entries_overrides, entry_form_block, wire_entry_forms
from playground.ui.compare_view import (
    GRID_STARTERS,
    GRID_TASKS,
    PLACEHOLDERS,
    STOP_WAIT,
    TAB,
    TEXT_TASKS,
    VERDICTS,
    ComparePage,
    choices,
    pane_head,
    runner,
    starters,
    summary_table,
)
from playground.ui.context import AppContext
from playground.ui.runner import claim_runs, pill, token_of


def build(ctx: AppContext) -> None:
    gr.Markdown("Run **2 to 4 models** on the same input and the same seed, side by side. "
                "Vote on the outputs, then export the session (JSON + HTML report) or load an "
                "export to see it again and re-run it.", elem_classes=["tab-intro"])
    state = gr.State(None)
    first_task = "image-to-image"
    first_rows = starters(ctx, first_task)
    with gr.Row():
        task = gr.Radio([(v, k) for k, v in TASKS.items()], value=first_task, label="Task",
                        elem_id=f"{TAB}-task")
    refs, overrides, entry_forms = [], [], []
    with gr.Group():
        for i in range(MAX_ENTRIES):
            with gr.Row(equal_height=True):
                refs.append(gr.Dropdown(
                    choices(ctx, first_task), value=first_rows[i][0], allow_custom_value=True,
                    label=f"Entry {i + 1}", info="a model or a ready-made preset"
                    if i == 0 else None, elem_id=f"{TAB}-entry-{i}", scale=3))
                overrides.append(gr.Textbox(
                    first_rows[i][1], label="Advanced: overrides (JSON, wins over the form)",
                    placeholder=PLACEHOLDERS[first_task][0],
                    elem_id=f"{TAB}-overrides-{i}", scale=2))
            entry_forms.append(entry_form_block(ctx, i, task))
    with gr.Row(equal_height=False):
        prompt = gr.Textbox(label="Prompt", lines=2, visible=first_task in PROMPT_TASKS,
                            elem_id=f"{TAB}-prompt", scale=3)
        image = gr.Image(type="filepath", label="Image", image_mode=None, height=220,
                         sources=["upload", "clipboard"], elem_id=f"{TAB}-image",
                         visible=FILE_INPUTS.get(first_task) == "image")
        audio = gr.Audio(type="filepath", label="Audio", elem_id=f"{TAB}-audio",
                         visible=FILE_INPUTS.get(first_task) == "audio")
        with gr.Column(scale=2):
            seed = gr.Number(42, label="Seed (pinned for every entry; blank: not pinned)",
                             precision=0, elem_id=f"{TAB}-seed")
            shared = gr.Textbox(label="Other shared inputs (JSON)",
                                placeholder=PLACEHOLDERS[first_task][1],
                                elem_id=f"{TAB}-shared")
    with gr.Row():
        run_btn = gr.Button("Compare", variant="primary", elem_id=f"{TAB}-run", scale=3)
        again_btn = gr.Button("Run again (pinned versions)", elem_id=f"{TAB}-again", scale=2)
        stop_btn = gr.Button("Stop", variant="stop", elem_id=f"{TAB}-stop", scale=1)
    status = gr.Markdown("", elem_id=f"{TAB}-status")
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
                votes.append(gr.Radio(VERDICTS, value=None, label="Your vote",
                                      elem_id=f"{TAB}-pane-{i}-vote"))
    summary = gr.Markdown(summary_table(None), elem_id=f"{TAB}-summary")
    with gr.Accordion("Export and replay", open=False, elem_id=f"{TAB}-export-box"):
        with gr.Row():
            export_btn = gr.Button("Export session", elem_id=f"{TAB}-export")
            json_file = gr.File(label="Session (JSON)", elem_id=f"{TAB}-json", interactive=False)
            html_file = gr.File(label="Report (HTML)", elem_id=f"{TAB}-html", interactive=False)
        load_file = gr.File(label="Load an exported session (JSON)", file_types=[".json"],
                            type="filepath", elem_id=f"{TAB}-load")
    with gr.Accordion("X/Y grid (image models)", open=False, elem_id=f"{TAB}-grid-box",
                      visible=first_task in GRID_TASKS) as grid_box:
        gr.Markdown("Runs one model over two parameters with the shared inputs above. Use "
                    "`ref` as a parameter to vary the model itself (values: model refs).")
        with gr.Row():
            grid_ref = gr.Dropdown(choices(ctx, first_task), value="local/rembg",
                                   allow_custom_value=True, label="Model",
                                   elem_id=f"{TAB}-grid-model")
            x_name = gr.Textbox("model", label="X parameter", elem_id=f"{TAB}-grid-x")
            x_vals = gr.Textbox("modnet, u2netp", label="X values (comma separated)",
                                elem_id=f"{TAB}-grid-xv")
            y_name = gr.Textbox("ref", label="Y parameter", elem_id=f"{TAB}-grid-y")
            y_vals = gr.Textbox("local/rembg", label="Y values", elem_id=f"{TAB}-grid-yv")
        grid_btn = gr.Button("Make grid", elem_id=f"{TAB}-grid-run")
        grid_image = gr.Image(label="Grid", type="filepath", format="png", interactive=False,
                              elem_classes=["checker"], elem_id=f"{TAB}-grid-image")

    page = ComparePage(state, task, refs, overrides, prompt, image, audio, seed, shared, status,
                       columns, heads, images, texts, votes, summary, json_file, html_file,
                       ctx.data_dir, entry_forms)
    wire_entry_forms(ctx, page)
    assert ctx.token_state is not None, "the shell creates token_state before building tabs"
    run_event = run_btn.click(partial(compare, ctx, page),
                              inputs=[*page.form, ctx.token_state, state],
                              outputs=page.round_outputs, api_name="compare",
                              concurrency_limit=2, concurrency_id=f"{TAB}-run")
    again_event = again_btn.click(partial(again, ctx, page), inputs=[ctx.token_state, state],
                                  outputs=page.round_outputs, api_name="compare_again",
                                  concurrency_id=f"{TAB}-run")
    stop_btn.click(partial(stop, ctx, page), inputs=[ctx.token_state, state],
                   outputs=page.round_outputs, cancels=[run_event, again_event],
                   api_name="compare_stop")
    for i, radio in enumerate(votes):
        radio.input(partial(vote, i), inputs=[radio, state], outputs=[state, summary],
                    api_name=f"compare_vote_{i}", show_progress="hidden")
    export_btn.click(partial(export, ctx), inputs=[state], outputs=[json_file, html_file],
                     api_name="compare_export")
    load_file.upload(partial(load, ctx, page), inputs=[load_file],
                     outputs=[state, status, summary, task, seed, shared, prompt, image, audio,
                              *refs, *overrides, *page.panes], api_name="compare_load")
    task.input(partial(switch, ctx), inputs=[task],
               outputs=[prompt, image, audio, *refs, *overrides, shared, grid_box, grid_ref,
                        x_name, x_vals, y_name, y_vals, grid_image],
               api_name="compare_task", show_progress="hidden")
    grid_btn.click(partial(grid, ctx, page),
                   inputs=[*page.form, grid_ref, x_name, x_vals, y_name, y_vals,
                           ctx.token_state, state],
                   outputs=[state, grid_image, status], api_name="compare_grid",
                   concurrency_id=f"{TAB}-run")
    # History's Add to Compare writes this form (what `switch` updates, in its order)
    ctx.compare_add = CompareAdd(ctx, page, [prompt, image, audio, *refs, *overrides, shared,
                                             grid_box, grid_ref, x_name, x_vals, y_name,
                                             y_vals, grid_image], switch)


# --- handlers ------------------------------------------------------------------------------

def session_from(ctx: AppContext, task: str, entries: list[str | None],
                 overrides: list[str | None], prompt: str | None, image: str | None,
                 audio: str | None, seed: float | None, shared_inputs: str | None,
                 previous: CompareSession | None,
                 own: list[dict[str, Any]] | None = None) -> CompareSession:
    """The form as a session (the previous one continues when nothing but inputs changed);
    `own`: each entry's form as overrides (its JSON box goes on top)."""
    return build_session(task, entries, overrides, prompt=prompt, seed=seed,
                         shared_json=shared_inputs,
                         file_path=image if FILE_INPUTS.get(task) == "image" else audio,
                         previous=previous, base=ctx.data_dir, form_overrides=own)


async def run_round(ctx: AppContext, page: ComparePage, session: CompareSession,
                    token: str | None, pinned: bool) -> AsyncIterator[dict[Any, Any]]:
    """One round: every pane updates as its entry runs, then the round's summary."""
    runs: dict[int, Run] = {}
    ended = page.rounds[session.id] = asyncio.Event()
    try:
        yield {page.state: session, page.status: f"{pill('run', 'Running')} all entries at once…",
               **page.show_panes(session, runs), **page.stale_export()}
        async for update in runner(ctx).run_round(session, token=token_of(token),
                                                  pinned=pinned):
            runs[update.entry] = update.run
            yield page.show_panes(session, runs)
    finally:
        ended.set()
    yield page.round_end(session)


async def compare(ctx: AppContext, page: ComparePage, task: str, entry_1: str | None,
                  entry_2: str | None, entry_3: str | None, entry_4: str | None,
                  overrides_1: str, overrides_2: str, overrides_3: str, overrides_4: str,
                  prompt: str | None, image: str | None, audio: str | None,
                  seed: float | None, shared_inputs: str | None, form_1: Any = None,
                  form_2: Any = None, form_3: Any = None, form_4: Any = None,
                  values_1: Any = None, values_2: Any = None, values_3: Any = None,
                  values_4: Any = None, token: str | None = None,
                  session: CompareSession | None = None,
                  request: gr.Request | None = None) -> AsyncIterator[dict[Any, Any]]:
    """Compare: run every entry on the same inputs, side by side."""
    claim_runs(ctx, "compare", request)
    try:
        own = entries_overrides(task, [form_1, form_2, form_3, form_4],
                                [values_1, values_2, values_3, values_4])
        current = session_from(ctx, task, [entry_1, entry_2, entry_3, entry_4],
                               [overrides_1, overrides_2, overrides_3, overrides_4], prompt,
                               image, audio, seed, shared_inputs, session, own)
    except FormProblem as exc:
        raise gr.Error(str(exc)) from None
    async for update in run_round(ctx, page, current, token, pinned=False):
        yield update


async def again(ctx: AppContext, page: ComparePage, token: str | None = None,
                session: CompareSession | None = None,
                request: gr.Request | None = None) -> AsyncIterator[dict[Any, Any]]:
    """Run again: each entry on the exact version it ran last time."""
    claim_runs(ctx, "compare", request)
    if session is None or not session.runs:
        raise gr.Error("Run a comparison (or load an exported one) first.")
    try:
        check_session_files(session, ctx.data_dir)
    except SessionFileRefused as exc:
        raise gr.Error(str(exc), title="Session refused") from None
    async for update in run_round(ctx, page, session, token, pinned=True):
        yield update


async def stop(ctx: AppContext, page: ComparePage, token: str | None = None,
               session: CompareSession | None = None) -> dict[Any, Any]:
    """Runs after the round is canceled: every pane gets its final state, and the summary."""
    if session is None or not session.runs:
        return {page.status: pill("stop", "Stopped")}
    ended = page.rounds.get(session.id)
    if ended is not None:  # the cancel and this handler arrive in either order
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ended.wait(), STOP_WAIT)
    await runner(ctx).settle(session.round_runs(), token=token_of(token))
    return page.round_end(session, pill("stop", "Stopped"))


def vote(entry: int, verdict: str | None,
         session: CompareSession | None) -> tuple[CompareSession | None, str]:
    if session is None or not session.runs:
        return session, summary_table(session)
    session.vote(session.last_round, entry, verdict if verdict in VERDICTS else None)  # type: ignore[arg-type]
    return session, summary_table(session)


def export(ctx: AppContext, session: CompareSession | None) -> tuple[str, str]:
    if session is None or not session.runs:
        raise gr.Error("Nothing to export yet: run a comparison first.")
    folder = ctx.data_dir / "compare" / "exports"
    stem = f"compare-{session.id}"
    return (str(export_json(session, folder / f"{stem}.json")),
            str(export_html(session, folder / f"{stem}.html", ctx.data_dir)))


def load(ctx: AppContext, page: ComparePage, path: str | None) -> dict[Any, Any]:
    """An exported session back in the form and the panes."""
    if not path:
        return {}
    try:
        session = load_json(Path(path), ctx.data_dir)
    except (ValueError, OSError) as exc:
        # said in the status line: an error event would badge every output of the form
        return {page.status: f"{pill('err', 'Session not loaded')} "
                             f"{html.escape(load_problem(exc))}"}
    runs = {r.entry: r for r in session.round_runs()}
    missing = missing_files(session, ctx.data_dir)
    note = f"Loaded session {session.id}: round {session.last_round} shown."
    if missing:
        note += (f" {pill('warn', 'Missing files')} {len(missing)} file(s) are not on this "
                 "computer.")
    out: dict[Any, Any] = {page.state: session, page.status: note,
                           page.summary: summary_table(session), page.task: session.task,
                           page.seed: session.seed, **page.show_panes(session, runs)}
    for i in range(MAX_ENTRIES):
        entry = session.entries[i] if i < len(session.entries) else None
        out[page.refs[i]] = gr.Dropdown(choices=choices(ctx, session.task),
                                        value=entry.ref if entry else None)
        out[page.overrides[i]] = json.dumps(entry.overrides) if entry and entry.overrides \
            else ""
    other = {k: v for k, v in session.inputs.items() if k != "prompt"}
    out[page.shared] = json.dumps(other) if other else ""
    out[page.prompt] = gr.Textbox(value=session.inputs.get("prompt", ""),
                                  visible=session.task in PROMPT_TASKS)
    file_name = session.input_files.get(FILE_INPUTS.get(session.task, ""), "")
    path_in = resolve_name(file_name, ctx.data_dir) if file_name else None
    value = str(path_in) if path_in and path_in.is_file() else None
    kind = FILE_INPUTS.get(session.task)
    out[page.image] = gr.Image(value=value if kind == "image" else None, visible=kind == "image")
    out[page.audio] = gr.Audio(value=value if kind == "audio" else None, visible=kind == "audio")
    return out


def switch(ctx: AppContext, task: str) -> list[Any]:
    """Another task: its inputs, its entries, its placeholders, and a fresh grid."""
    rows = starters(ctx, task)
    found = choices(ctx, task)
    over_hint, shared_hint = PLACEHOLDERS.get(task, ("", ""))
    # the grid starts over for the new task (or hides: it only makes image grids)
    xn, xv, yn = GRID_STARTERS.get(task, ("", "", ""))
    first = rows[0][0] or ""
    return [gr.Textbox(visible=task in PROMPT_TASKS),
            gr.Image(visible=FILE_INPUTS.get(task) == "image"),
            gr.Audio(visible=FILE_INPUTS.get(task) == "audio"),
            *[gr.Dropdown(choices=found, value=r) for r, _ in rows],
            *[gr.Textbox(value=o, placeholder=over_hint) for _, o in rows],
            gr.Textbox(placeholder=shared_hint),
            gr.Accordion(visible=task in GRID_TASKS),
            gr.Dropdown(choices=found, value=rows[0][0]), xn, xv, yn,
            first if yn == "ref" else ("1, 2" if yn else ""), None]


async def grid(ctx: AppContext, page: ComparePage, task: str, entry_1: str | None,
               entry_2: str | None, entry_3: str | None, entry_4: str | None,
               overrides_1: str, overrides_2: str, overrides_3: str, overrides_4: str,
               prompt: str | None, image: str | None, audio: str | None, seed: float | None,
               shared_inputs: str | None, form_1: Any, form_2: Any, form_3: Any, form_4: Any,
               values_1: Any, values_2: Any, values_3: Any, values_4: Any, model: str,
               x_parameter: str, x_values: str, y_parameter: str, y_values: str,
               token: str | None = None,
               session: CompareSession | None = None,
               request: gr.Request | None = None) -> tuple[Any, str | None, str]:
    """One model over two parameters: one composed image."""
    claim_runs(ctx, "compare", request)
    try:
        own = entries_overrides(task, [form_1, form_2, form_3, form_4],
                                [values_1, values_2, values_3, values_4])
        current = session_from(ctx, task, [entry_1, entry_2, entry_3, entry_4],
                               [overrides_1, overrides_2, overrides_3, overrides_4], prompt,
                               image, audio, seed, shared_inputs, session, own)
        x = Axis(x_parameter.strip(), parse_values(x_values))
        y = Axis(y_parameter.strip(), parse_values(y_values))
        shared, _ = current.entry_parts(0, ctx.data_dir)
        record = await run_grid(runner(ctx), str(model), shared, x, y, token=token_of(token),
                                base=ctx.data_dir)
    except (FormProblem, ValueError) as exc:
        raise gr.Error(str(exc)) from None
    current.grids.append(record)
    ok = sum(r.status == "succeeded" for r in record.runs)
    return (current, str(resolve_name(record.image, ctx.data_dir)) if record.image else None,
            f"Grid: {ok} of {len(record.runs)} cells succeeded.")
