"""The Compare tab's handlers: plain functions of the context, the page and the event's inputs.

A mistake in the form (a typo under Advanced, a value out of range, a missing upload) is one
sentence in the status line naming the entry: never an error event, which would badge every
pane, and nothing already shown is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import gradio as gr

from playground.compare import (
    CompareSession,
    blind,
    export_html,
    export_json,
    load_json,
    missing_files,
    parse_values,
    run_grid,
)
from playground.compare.ballots import BallotBox
from playground.compare.forms import (
    FILE_INPUTS,
    PROMPT_TASKS,
    FormProblem,
    build_session,
    grid_axis,
)
from playground.compare.report import load_problem
from playground.compare.safe_files import SessionFileRefused
from playground.compare.session import (
    MAX_ENTRIES,
    Run,
    check_session_files,
    new_session_id,
    resolve_name,
)
from playground.compare.strict import SESSION_ID
from playground.forms import InputForm
from playground.service import Caller
from playground.ui.compare.forms import entries_overrides
from playground.ui.compare.view import (
    GRID_STARTERS,
    GRID_TASKS,
    PLACEHOLDERS,
    STOP_WAIT,
    VERDICTS,
    ComparePage,
    RoundHandle,
    cannot_run,
    choices,
    runner,
    starters,
    summary_table,
)
from playground.ui.context import AppContext
from playground.ui.kit.runner import pill, runs_of

NOT_RUN = "Not run"
ROOM_AGAIN = ("You have already voted on this output: each browser votes once on each, and "
              "the first vote stays.")
ROOM_GONE = ("This shared comparison is no longer here (or that was not a vote): nothing was "
             "counted.")


def problem(text: str, title: str = NOT_RUN) -> str:
    """The status line for a mistake in the form: what is wrong, where, and how to fix it."""
    return f"{pill('err', title)} {html.escape(text)}"


def session_from(ctx: AppContext, task: str, entries: list[str | None],
                 overrides: list[str | None], prompt: str | None, image: str | None,
                 audio: str | None, seed: float | None, shared_inputs: str | None,
                 previous: CompareSession | None, setups: list[Any] | None = None,
                 values: list[Any] | None = None,
                 file_per_round: bool = False) -> CompareSession:
    """The form as a session (the previous one continues when nothing but inputs changed);
    each entry's form (`setups`, `values`) becomes its overrides, its JSON box on top."""
    n = len(entries)
    own, secrets = entries_overrides(task, list(setups or [None] * n),
                                     list(values or [None] * n))
    return build_session(task, entries, overrides, prompt=prompt, seed=seed,
                         shared_json=shared_inputs,
                         file_path=image if FILE_INPUTS.get(task) == "image" else audio,
                         previous=previous, base=ctx.data_dir, form_overrides=own,
                         form_secrets=secrets, file_per_round=file_per_round)


async def run_round(ctx: AppContext, page: ComparePage, session: CompareSession,
                    token: str | None, pinned: bool,
                    caller: Caller) -> AsyncIterator[dict[Any, Any]]:
    """One round: every pane updates as its entry runs, then the round's summary. `token` is
    the event's, opened (`ctx.owners.token`); the runs are `caller`'s (`runs_of`)."""
    runs: dict[int, Run] = {}
    handle = page.rounds[session.id] = RoundHandle(runner(ctx, caller))
    session.pick_round(None)  # the panes follow the new round
    blind.begin(session, session.last_round + 1)  # before the first pane is drawn
    try:
        yield {page.state: session, page.status: f"{pill('run', 'Running')} all entries at once…",
               **page.show_panes(session, runs), **page.stale_export()}
        if handle.stopped:  # Stop came first: the round adds nothing
            return
        async for update in handle.runner.run_round(session, token=token, pinned=pinned):
            runs[update.entry] = update.run
            if handle.stopped:  # a pane's late "processing" would overwrite Stop's "stopped"
                continue
            yield page.show_panes(session, runs)
        if handle.stopped:
            # Stop is not a cancel of this event (a canceled event's last message could land
            # after Stop's and put "processing" back): the round ends with the same word as
            # Stop's, whichever of the two the page gets last.
            await runner(ctx).settle(session.round_runs(), token=token)
        yield page.round_end(session, stopped=handle.stopped)
    finally:
        handle.ended.set()


async def compare(ctx: AppContext, page: ComparePage, task: str, entry_1: str | None,
                  entry_2: str | None, entry_3: str | None, entry_4: str | None,
                  overrides_1: str, overrides_2: str, overrides_3: str, overrides_4: str,
                  prompt: str | None, image: str | None, audio: str | None,
                  seed: float | None, shared_inputs: str | None, form_1: Any = None,
                  form_2: Any = None, form_3: Any = None, form_4: Any = None,
                  token: str | None = None, session: CompareSession | None = None,
                  values_1: Any = None, values_2: Any = None, values_3: Any = None,
                  values_4: Any = None, blind_mode: bool = False,
                  request: gr.Request | None = None) -> AsyncIterator[dict[Any, Any]]:
    """Compare: run every entry on the same inputs, side by side (`blind_mode`: the panes in
    a random order, named by letters until every output has a vote)."""
    if why := cannot_run(ctx, task):  # said before the run, as the task's note says it
        yield {page.status: why}
        return
    try:
        current = session_from(ctx, task, [entry_1, entry_2, entry_3, entry_4],
                               [overrides_1, overrides_2, overrides_3, overrides_4], prompt,
                               image, audio, seed, shared_inputs, session,
                               [form_1, form_2, form_3, form_4],
                               [values_1, values_2, values_3, values_4])
    except (FormProblem, ValueError) as exc:
        yield {page.status: problem(str(exc))}
        return
    current.blind = blind_mode is True
    async for update in run_round(ctx, page, current, ctx.owners.token(token, request),
                                  pinned=False, caller=runs_of(ctx, "compare", request)):
        yield update


async def again(ctx: AppContext, page: ComparePage, token: str | None = None,
                session: CompareSession | None = None,
                request: gr.Request | None = None) -> AsyncIterator[dict[Any, Any]]:
    """Run again: each entry on the exact version it ran last time."""
    if session is None or not session.runs:
        yield {page.status: problem("Nothing to run again yet: press Compare first (or load "
                                    "a saved comparison).")}
        return
    if why := cannot_run(ctx, session.task):
        yield {page.status: why}
        return
    try:
        check_session_files(session, ctx.data_dir)
    except SessionFileRefused as exc:
        yield {page.status: problem(str(exc))}
        return
    async for update in run_round(ctx, page, session, ctx.owners.token(token, request),
                                  pinned=True, caller=runs_of(ctx, "compare", request)):
        yield update


async def stop(ctx: AppContext, page: ComparePage, token: str | None = None,
               session: CompareSession | None = None,
               request: gr.Request | None = None) -> dict[Any, Any]:
    """Stops the round's entries (whether or not the browser's cancel reached the round),
    waits for it to end, then gives every pane its final state and the summary."""
    if session is None or not session.runs:
        return {page.status: pill("stop", "Stopped")}
    handle = page.rounds.get(session.id)
    if handle is not None:
        handle.stopped = True
        handle.runner.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(handle.ended.wait(), STOP_WAIT)
    await runner(ctx).settle(session.round_runs(), token=ctx.owners.token(token, request))
    return page.round_end(session, stopped=True)


def vote(ctx: AppContext, ballots: BallotBox, pane: int, verdict: str | None,
         session: CompareSession | None, room: str | None = None,
         request: gr.Request | None = None) -> tuple[CompareSession | None, str]:
    """A verdict on pane `pane`'s output (in a blind round, the entry that pane shows); the
    round's blind battles are kept for the server's leaderboard, as this browser's. On a
    voter's page (`room`: the shared session) the vote goes to the room, once per output."""
    if session is None or not session.runs:
        return session, summary_table(session, ctx.data_dir)
    owner = ctx.owners.of(request)
    given = verdict if verdict in VERDICTS else None
    if room:
        entry = blind.entry_of(session, pane)
        answer = "gone" if given is None or entry is None else ballots.room_vote(
            room, session.shown_round, owner, entry, given)
        if answer != "counted":
            said = (ROOM_AGAIN if answer == "already" else ROOM_GONE)
            return session, f"{pill('warn', 'Not counted')} {said}\n\n" + summary_table(
                session, ctx.data_dir)
    blind.vote(session, pane, given)  # type: ignore[arg-type]
    ballots.keep_round(session, session.shown_round, owner)
    return session, summary_table(session, ctx.data_dir)


def show_after_vote(page: ComparePage, session: CompareSession | None) -> dict[Any, Any]:
    """After a vote: the panes drawn again only when it showed a blind round's names (drawn
    otherwise, they could undo a vote being clicked on another pane)."""
    if session is None or blind.hidden(session):
        return page.unchanged()
    shown = next((b for b in session.blind_rounds if b.round == session.shown_round), None)
    if shown is None or any(v.round == shown.round and not v.blind for v in session.votes):
        return page.unchanged()
    return {**page.show_round(session), page.status: "Every output has your vote: here is "
            "which model made which."}


def reveal(ctx: AppContext, page: ComparePage, ballots: BallotBox,
           session: CompareSession | None,
           request: gr.Request | None = None) -> dict[Any, Any]:
    """Reveal: a blind round's names now; its votes stop counting as blind."""
    if session is None or not blind.reveal(session):
        return {page.status: "Nothing is hidden: the names are already shown."}
    ballots.keep_round(session, session.shown_round, ctx.owners.of(request))
    return {**page.show_round(session), page.state: session,
            page.status: "Shown before every output had a vote: this round's votes do not "
            "count as blind."}


def export(ctx: AppContext, ballots: BallotBox,
           session: CompareSession | None) -> tuple[Any, Any, str]:
    """(the comparison file, the report, the status line); before any run only the status
    line speaks (an error event would badge both file slots)."""
    if session is None or not session.runs:
        return (gr.skip(), gr.skip(),
                problem("Nothing to save yet: run a comparison first.", "Not saved"))
    if blind.hidden(session):  # the file and the report name every entry's model
        return (gr.skip(), gr.skip(),
                problem("The round is blind: vote on every output (or press Reveal) before "
                        "saving, as the file and the report name the models.", "Not saved"))
    folder = ctx.data_dir / "compare" / "exports"
    # The id is the app's own (made here, or anew when a file was loaded) and checked again:
    # it names files, so a value from anywhere else could write anywhere.
    if not SESSION_ID.fullmatch(session.id):
        session.id = new_session_id()
    stem = f"compare-{session.id}"
    # shared for voting: the room's votes so far go into the file and the report
    session.room_votes = ballots.room_votes(session.id) if ballots.shared(session.id) else []
    return (str(export_json(session, folder / f"{stem}.json")),
            str(export_html(session, folder / f"{stem}.html", ctx.data_dir)),
            "Saved: download the comparison file and the report below.")


def load(ctx: AppContext, page: ComparePage, path: str | None) -> dict[Any, Any]:
    """An exported session back in the form and the panes."""
    if not path:
        return page.unchanged()
    try:
        session = load_json(Path(path), ctx.data_dir)
    except (ValueError, OSError) as exc:
        # said in the status line: an error event would badge every output of the form
        return {page.status: f"{pill('err', 'Not loaded')} {html.escape(load_problem(exc))}"}
    # A session of its own: the file's id named the export's files (and another browser may
    # load the same file), so the app gives it an id it made.
    session.id = new_session_id()
    runs = {r.entry: r for r in session.round_runs()}
    missing = missing_files(session, ctx.data_dir)
    note = f"Loaded the saved comparison: round {session.last_round} shown."
    if missing:
        note += (f" {pill('warn', 'Missing files')} {len(missing)} file(s) are not on this "
                 "computer.")
    # the session's task as if chosen (what it cannot run here said, its buttons off), with
    # the session's entries
    out: dict[Any, Any] = dict(zip(page.switched, switch(ctx, session.task, session),
                                   strict=True))
    if page.blind_box is not None:  # the loaded session's rounds go on as it did
        out[page.blind_box] = session.blind
    out.update({page.state: session, page.status: note,
                page.summary: summary_table(session, ctx.data_dir), page.task: session.task,
                page.seed: session.seed, **page.show_panes(session, runs)})
    out[page.prompt] = gr.Textbox(value=session.inputs.get("prompt", ""),
                                  visible=session.task in PROMPT_TASKS)
    file_name = session.input_files.get(FILE_INPUTS.get(session.task, ""), "")
    path_in = resolve_name(file_name, ctx.data_dir) if file_name else None
    value = str(path_in) if path_in and path_in.is_file() else None
    kind = FILE_INPUTS.get(session.task)
    out[page.image] = gr.Image(value=value if kind == "image" else None, visible=kind == "image")
    out[page.audio] = gr.Audio(value=value if kind == "audio" else None, visible=kind == "audio")
    return out


def switch(ctx: AppContext, task: str, loaded: CompareSession | None = None) -> list[Any]:
    """Another task: its inputs, its entries (the task's starters, or a `loaded` session's
    entries and shared settings), its placeholders, and a fresh grid."""
    rows = starters(ctx, task) if loaded is None else _entry_rows(loaded)
    found = choices(ctx, task)
    why = cannot_run(ctx, task)
    over_hint, shared_hint = PLACEHOLDERS.get(task, ("", ""))
    other = {k: v for k, v in loaded.inputs.items() if k != "prompt"} if loaded else {}
    # the grid starts over for the new task (or hides: it only makes image grids)
    xn, xv, yn = GRID_STARTERS.get(task, ("", "", ""))
    first = rows[0][0] or ""
    return [gr.Markdown(why, visible=bool(why)),
            *[gr.Button(interactive=not why) for _ in range(3)],  # Compare, again, grid
            gr.Textbox(visible=task in PROMPT_TASKS),
            gr.Image(visible=FILE_INPUTS.get(task) == "image"),
            gr.Audio(visible=FILE_INPUTS.get(task) == "audio"),
            *[gr.Dropdown(choices=found, value=r) for r, _ in rows],
            *[gr.Textbox(value=o, placeholder=over_hint) for _, o in rows],
            gr.Textbox(placeholder=shared_hint) if loaded is None
            else gr.Textbox(value=json.dumps(other) if other else "", placeholder=shared_hint),
            gr.Accordion(visible=task in GRID_TASKS),
            gr.Dropdown(choices=found, value=rows[0][0]), xn, xv, yn,
            first if yn == "ref" else ("1, 2" if yn else ""), None]


def _entry_rows(session: CompareSession) -> list[tuple[str | None, str]]:
    """A session's entries as the form's rows (model, its Advanced box), empty ones after."""
    rows: list[tuple[str | None, str]] = [
        (e.ref, json.dumps(e.overrides) if e.overrides else "") for e in session.entries]
    return (rows + [(None, "")] * MAX_ENTRIES)[:MAX_ENTRIES]


async def model_form(ctx: AppContext, ref: Any, token: str | None) -> InputForm | None:
    """The grid model's form (its settings and their labels); None when `ref` is not a model
    (yet): the model axis alone is offered, and the run itself says what is wrong."""
    with contextlib.suppress(Exception):
        return (await ctx.service.catalog.find_model(str(ref or "").strip(), token=token)).form
    return None


async def grid(ctx: AppContext, page: ComparePage, task: str, entry_1: str | None,
               entry_2: str | None, entry_3: str | None, entry_4: str | None,
               overrides_1: str, overrides_2: str, overrides_3: str, overrides_4: str,
               prompt: str | None, image: str | None, audio: str | None, seed: float | None,
               shared_inputs: str | None, form_1: Any, form_2: Any, form_3: Any, form_4: Any,
               model: str, x_parameter: str, x_values: str, y_parameter: str, y_values: str,
               token: str | None = None, session: CompareSession | None = None,
               values_1: Any = None, values_2: Any = None, values_3: Any = None,
               values_4: Any = None,
               request: gr.Request | None = None) -> tuple[Any, Any, str]:
    """One model over one or two settings: one composed image."""
    if why := cannot_run(ctx, task):
        return gr.skip(), gr.skip(), why
    try:
        current = session_from(ctx, task, [entry_1, entry_2, entry_3, entry_4],
                               [overrides_1, overrides_2, overrides_3, overrides_4], prompt,
                               image, audio, seed, shared_inputs, session,
                               [form_1, form_2, form_3, form_4],
                               [values_1, values_2, values_3, values_4])
        opened = ctx.owners.token(token, request)
        form = await model_form(ctx, model, opened)
        x = grid_axis(form, str(x_parameter or "").strip(), parse_values(str(x_values or "")))
        y = grid_axis(form, str(y_parameter or "").strip(), parse_values(str(y_values or "")))
        shared, _ = current.entry_parts(0, ctx.data_dir)
        caller = runs_of(ctx, "compare", request)
        record = await run_grid(runner(ctx, caller), str(model), shared, x, y,
                                token=opened, base=ctx.data_dir)
    except (FormProblem, ValueError) as exc:
        return gr.skip(), gr.skip(), problem(f"Grid: {exc}")
    current.grids.append(record)
    ok = sum(r.status == "succeeded" for r in record.runs)
    return (current, str(resolve_name(record.image, ctx.data_dir)) if record.image else None,
            f"Grid: {ok} of {len(record.runs)} pictures made.")
