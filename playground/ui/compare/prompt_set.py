"""The Compare tab's prompt set: many inputs, each a round of every entry (compare.prompt_set).

Run the set (the entries of the form, the inputs typed one per line or from a CSV/JSONL file;
its files by URL or from a zip uploaded beside it, or the set and its files in one zip),
watch "14 of 40 done, about 2 min left", Stop, and Resume: only what did not finish runs again.
The set is kept on the server for this browser after every finished run, so a reload or a
restart finds it again (Resume). Pick an input to see its panes; the table below them has every
input's verdicts and states, a page at a time.
"""

from __future__ import annotations

import html
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import gradio as gr

from playground.compare import CompareSession, blind
from playground.compare.ballots import voter_id
from playground.compare.forms import FILE_INPUTS, FormProblem
from playground.compare.prompt_set import missing, plan, progress_line, read_set
from playground.compare.report import load_json, write_text_atomic
from playground.compare.session import SHOWN_STATUS
from playground.ui.compare.actions import problem, session_from
from playground.ui.compare.view import TAB, ComparePage, RoundHandle, cannot_run, runner
from playground.ui.context import AppContext
from playground.ui.gradio_compat import current_page
from playground.ui.kit.runner import bind, pill, runs_of

PAGE_ROWS = 25  # the verdict table's rows at once: 1,000 inputs never land in the page at once
EVERY = 0.5  # seconds between the page's updates while a set runs
KEEP_EVERY = 2.0  # ... and between saves of the set to the server's disk
WORDS = {"better": "better", "worse": "not as good", "tie": "same"}


def set_box() -> tuple[gr.Textbox, gr.File, gr.File, gr.Button, gr.Button, gr.Markdown,
                       gr.Slider, gr.Markdown]:
    """(lines, file, zip of files, Run the set, Resume, progress, the input shown, the
    verdict table)."""
    with gr.Accordion("Prompt set: many inputs, each run by every entry", open=False,
                      elem_id=f"{TAB}-set-box"):
        lines = gr.Textbox(label="Inputs, one per line (each line is the prompt)", lines=4,
                           elem_id=f"{TAB}-set-lines")
        upload = gr.File(label="Or a CSV file (a column per input, named in its first line) "
                         "or a JSONL file (an object per line); or a zip holding that file "
                         "and the files it names",
                         file_types=[".csv", ".jsonl", ".ndjson", ".zip"], type="filepath",
                         elem_id=f"{TAB}-set-file")
        files = gr.File(label="Its files: a zip of the images or recordings the set names "
                        "(a file column holds a name in the zip, or an http(s) URL instead)",
                        file_types=[".zip"], type="filepath", elem_id=f"{TAB}-set-zip")
        with gr.Row():
            run = gr.Button("Run the set", variant="primary", elem_id=f"{TAB}-set-run")
            resume = gr.Button("Resume the set", elem_id=f"{TAB}-set-resume")
        progress = gr.Markdown("", elem_id=f"{TAB}-set-progress")
        shown = gr.Slider(1, 2, value=1, step=1, label="Input shown in the panes",
                          visible=False, elem_id=f"{TAB}-set-item")
        table = gr.Markdown("", elem_id=f"{TAB}-set-table")
    return lines, upload, files, run, resume, progress, shown, table


def _kept(ctx: AppContext, request: gr.Request | None) -> Path:
    """Where this browser's set is kept: a name the app made (an opaque id), never served."""
    return ctx.data_dir / "compare" / "sets" / f"{voter_id(ctx.owners.of(request))}.json"


def keep(ctx: AppContext, session: CompareSession, request: gr.Request | None) -> None:
    path = _kept(ctx, request)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, session.model_dump_json())


def verdict_table(session: CompareSession, around: int) -> str:
    """The set's inputs as rows (a page of them, around input `around`), entries as columns:
    each cell the vote, or the run's state while there is none."""
    rounds = [r.round for r in session.round_inputs]
    if not rounds:
        return ""
    start = max(0, min(around - 1, len(rounds) - 1)) // PAGE_ROWS * PAGE_ROWS
    page = rounds[start:start + PAGE_ROWS]
    runs = {(r.round, r.entry): r for r in session.runs}
    heads = " | ".join(html.escape(e.title).replace("|", "&#124;") for e in session.entries)
    rows = [f"| input | {heads} |", "|---|" + "---|" * len(session.entries)]
    for k, round_no in enumerate(page, start + 1):
        said = session.round_input(round_no) or {"file": "(a file)"}
        text = str(said.get("prompt", next(iter(said.values()), "")))[:60]
        cells = []
        for i in range(len(session.entries)):
            verdict = session.verdict(round_no, i)
            run = runs.get((round_no, i))
            state = SHOWN_STATUS.get(run.status, run.status) if run else "not run"
            if state == "succeeded":
                state = "no vote yet"
            if verdict:  # a blind round's verdicts would say which pane was which model
                state = "voted" if blind.round_hidden(session, round_no) else WORDS[verdict]
            cells.append(state)
        rows.append(f"| {k}. {html.escape(text).replace('|', '&#124;')} | "
                    + " | ".join(cells) + " |")
    last = start + len(page)
    return (f"Inputs {start + 1} to {last} of {len(rounds)} (pick an input above to see "
            "another page).\n\n" + "\n".join(rows))


def _view(page: ComparePage, session: CompareSession, shown_no: int,
          line: str) -> dict[Any, Any]:
    """The panes on input `shown_no` (1-based), the slider, the table and the status line."""
    rounds = [r.round for r in session.round_inputs]
    shown_no = max(1, min(shown_no, len(rounds)))
    session.pick_round(rounds[shown_no - 1])
    return {**page.show_round(session), page.state: session, page.status: line,
            page.set_parts[0]: gr.Slider(1, max(2, len(rounds)), value=shown_no,
                                         visible=True),
            page.set_parts[1]: verdict_table(session, shown_no),
            page.set_parts[2]: line}


async def _run(ctx: AppContext, page: ComparePage, session: CompareSession,
               token: str | None, request: gr.Request | None) -> AsyncIterator[dict[Any, Any]]:
    # a stopped run whose prediction finished on the backend all the same is kept, not run
    # again (the backend may have finished it just before the stop reached it)
    ours = {r.round for r in session.round_inputs}
    await runner(ctx).settle([r for r in session.runs if r.round in ours
                              and r.status == "canceled" and r.prediction_id], token=token)
    cells = missing(session)
    total = len(cells)
    handle = page.rounds[session.id] = RoundHandle(runner(ctx, runs_of(ctx, TAB, request)))
    started = last = kept = time.monotonic()
    newest = 1
    try:
        yield _view(page, session, newest, progress_line(session))
        async for update in handle.runner.run_set(session, cells, token=token):
            if update.run.done and update.run.status == "succeeded":
                rounds = [r.round for r in session.round_inputs]
                newest = rounds.index(update.run.round) + 1 if update.run.round in rounds \
                    else newest
            now = time.monotonic()
            if now - last >= EVERY:
                if now - kept >= KEEP_EVERY:
                    kept = now
                    keep(ctx, session, request)
                last = now
                done = total - len(missing(session))
                yield _view(page, session, newest, progress_line(session, now - started, done))
        if handle.stopped:
            await runner(ctx).settle([r for r in session.runs if not r.done], token=token)
        keep(ctx, session, request)
        line = progress_line(session)
        if missing(session):
            line = f"{pill('stop', 'Stopped')} {line} Press **Resume the set** to finish it."
        yield _view(page, session, newest, line)
    finally:
        handle.ended.set()


async def run_set(ctx: AppContext, page: ComparePage, lines: str | None, upload: str | None,
                  task: str, entry_1: str | None, entry_2: str | None, entry_3: str | None,
                  entry_4: str | None, overrides_1: str, overrides_2: str, overrides_3: str,
                  overrides_4: str, prompt: str | None, image: str | None, audio: str | None,
                  seed: float | None, shared_inputs: str | None, form_1: Any = None,
                  form_2: Any = None, form_3: Any = None, form_4: Any = None,
                  token: str | None = None, session: CompareSession | None = None,
                  values_1: Any = None, values_2: Any = None, values_3: Any = None,
                  values_4: Any = None, blind_mode: bool = False, files: str | None = None,
                  request: gr.Request | None = None) -> AsyncIterator[dict[Any, Any]]:
    """Run the set: every entry of the form on every input, a round each (`files`: a zip of
    the files it names)."""
    if why := cannot_run(ctx, task):
        yield {page.status: why}
        return
    try:
        forms = [form_1, form_2, form_3, form_4]
        items = read_set(lines, Path(upload) if upload else None,
                         Path(files) if files else None, file_fields(task, forms),
                         ctx.data_dir)
        first = str(items[0].get("prompt", "")) if not (prompt or "").strip() else prompt
        shared_file = FILE_INPUTS.get(task)
        current = session_from(ctx, task, [entry_1, entry_2, entry_3, entry_4],
                               [overrides_1, overrides_2, overrides_3, overrides_4], first,
                               image, audio, seed, shared_inputs, None, forms,
                               [values_1, values_2, values_3, values_4],
                               file_per_round=bool(shared_file) and all(
                                   shared_file in item for item in items))
        current.blind = blind_mode is True
        plan(current, items)
    except (FormProblem, ValueError, OSError) as exc:
        said = problem(str(exc))
        yield {page.status: said, page.set_parts[2]: said}
        return
    async for update in _run(ctx, page, current, ctx.owners.token(token, request), request):
        yield update


def file_fields(task: str, forms: list[Any]) -> frozenset[str]:
    """The set's fields that hold files: the task's shared file and every entry's file
    inputs (an entry's form state holds its model's setup)."""
    names = {FILE_INPUTS[task]} if task in FILE_INPUTS else set()
    for state in forms:
        if isinstance(state, dict) and state.get("setup") is not None:
            names |= {f.name for f in state["setup"].form if f.is_file}
    return frozenset(names)


async def resume_set(ctx: AppContext, page: ComparePage, token: str | None = None,
                     session: CompareSession | None = None,
                     request: gr.Request | None = None) -> AsyncIterator[dict[Any, Any]]:
    """Resume: the cells of the set that did not finish, and nothing else."""
    if session is None or not session.round_inputs:
        said = problem("No prompt set to resume: run one first.", "Not resumed")
        yield {page.status: said, page.set_parts[2]: said}
        return
    if not missing(session):
        yield {page.set_parts[2]: progress_line(session) + " Nothing left to run."}
        return
    async for update in _run(ctx, page, session, ctx.owners.token(token, request), request):
        yield update


def show_input(page: ComparePage, shown_no: float, session: CompareSession | None
               ) -> dict[Any, Any]:
    if session is None or not session.round_inputs:
        return page.unchanged()
    return _view(page, session, int(shown_no or 1), progress_line(session))


def restore(ctx: AppContext, page: ComparePage, request: gr.Request) -> dict[Any, Any]:
    """On page load: this browser's unfinished set, back (a reload, a restart)."""
    if request is not None and request.query_params.get("session"):
        return page.unchanged()  # a voter's page
    path = _kept(ctx, request)
    if not path.is_file():
        return page.unchanged()
    try:
        session = load_json(path, ctx.data_dir)
    except (ValueError, OSError):
        return page.unchanged()
    if not session.round_inputs or not missing(session):
        return page.unchanged()
    line = (f"{pill('stop', 'Not finished')} Your prompt set: {progress_line(session)} "
            "Press **Resume the set** to finish it.")
    return _view(page, session, 1, line)


def wire_set(ctx: AppContext, page: ComparePage, parts: tuple[Any, ...], to_results: str,
             blind_box: gr.Checkbox) -> None:
    """Run the set (`compare_set`), Resume (`compare_set_resume`), picking an input, and
    a kept set brought back on page load."""
    lines, upload, files, run, resume, progress, shown, table = parts
    page.set_parts = [shown, table, progress]
    page.set_lines = lines
    outputs = [*page.round_outputs, shown, table, progress]
    run.click(bind(run_set, ctx, page),
              inputs=[lines, upload, *page.form, ctx.token_state, page.state,
                      *page.entry_values, blind_box, files],
              outputs=outputs, api_name="compare_set", concurrency_limit=ctx.concurrency(2),
              concurrency_id=f"{TAB}-run")
    resume.click(bind(resume_set, ctx, page), inputs=[ctx.token_state, page.state],
                 outputs=outputs, api_name="compare_set_resume",
                 concurrency_limit=ctx.concurrency(2), concurrency_id=f"{TAB}-run")
    shown.release(bind(show_input, page), inputs=[shown, page.state], outputs=outputs,
                  api_name="compare_set_show", show_progress="hidden")
    for button in (run, resume):
        button.click(None, js=to_results, api_visibility="private")
    # one progress target: it runs on every page load (tests/ui/test_progress_targets.py)
    current_page().load(bind(restore, ctx, page), outputs=outputs,
                        api_visibility="private", show_progress="hidden",
                        show_progress_on=[progress])
