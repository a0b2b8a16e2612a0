"""Compare tab: 2-4 models side by side on the same input and seed, votes, export and replay.

The logic lives in `playground.compare` (no gradio there); this module lays out the form and the
panes and turns the runner's pane updates into component updates.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
from pathlib import Path
from typing import Any

import gradio as gr

from playground.compare import (
    Axis,
    CompareSession,
    Runner,
    export_html,
    export_json,
    format_cost,
    load_json,
    missing_files,
    parse_values,
    run_grid,
)
from playground.compare.forms import (
    FILE_INPUTS,
    LOCAL_MODELS,
    LOCAL_STARTERS,
    PRESET_TASKS,
    PROMPT_TASKS,
    TASKS,
    FormProblem,
    build_session,
)
from playground.compare.report import load_problem
from playground.compare.safe_files import SessionFileRefused, check_session_files
from playground.compare.service_backend import ServiceBackend
from playground.compare.session import MAX_ENTRIES, Run, resolve_name
from playground.ui import messages
from playground.ui.context import AppContext
from playground.ui.runner import pill, token_of

TAB = "compare"
VERDICTS = ["better", "worse", "tie"]
_IMAGES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}
# Status pills (CSS in shell.py), not emoji: Debian's Chromium fonts draw those as empty boxes.
_PILLS = {"succeeded": "ok", "failed": "err", "canceled": "stop"}
STOP_WAIT = 20.0  # seconds Stop waits for a canceled round to wind down
TEXT_TASKS = frozenset({"chat", "transcription"})
GRID_TASKS = frozenset({"image-to-image", "image"})  # the X/Y grid is one image of images
# (overrides, shared inputs) placeholders: an example that makes sense for the task
PLACEHOLDERS = {"image-to-image": ('{"scale": 2}', '{"scale": 2}'),
                "image": ('{"num_inference_steps": 4}', '{"width": 512, "height": 512}'),
                "chat": ('{"temperature": 0.9}', '{"max_tokens": 64}'),
                "transcription": ('{"temperature": 0.8}', '{"language": "en"}')}
# (X parameter, X values, Y parameter) a new grid starts from; Y values are the model's ref
GRID_STARTERS = {"image-to-image": ("model", "modnet, u2netp", "ref"),
                 "image": ("num_inference_steps", "1, 4", "seed")}


def _backend(ctx: AppContext) -> ServiceBackend:
    return ServiceBackend(ctx.service, backend_kind=ctx.backend.kind)


def _choices(ctx: AppContext, task: str) -> list[tuple[str, str]]:
    out = [(ref, ref) for ref in LOCAL_MODELS[task]] if ctx.backend.is_local else []
    backend = _backend(ctx)
    wanted = set(PRESET_TASKS[task])
    for label, value in backend.preset_choices():
        preset = backend.presets().get(value.split(":", 1)[1])
        if getattr(preset, "task", None) in wanted:
            out.append((label, value))
    return out


def _starters(ctx: AppContext, task: str) -> list[tuple[str | None, str]]:
    starters = LOCAL_STARTERS.get(task, []) if ctx.backend.is_local else []
    rows: list[tuple[str | None, str]] = [
        (ref, json.dumps(over) if over else "") for ref, over in starters]
    if not rows:
        rows = [(value, "") for _, value in _choices(ctx, task)[:2]]
    return (rows + [(None, "")] * MAX_ENTRIES)[:MAX_ENTRIES]


_COST_NOTE = ("Models on this computer are free; Replicate's costs are **estimates** (predict "
              "time x the hardware's price).")


def _cost(model: str | None, usd: float | None) -> str:
    """What a run costs: nothing on this computer (the local engine's models), else an
    estimate of Replicate's price."""
    if (model or "").startswith("local/"):
        return "free, on this computer"
    return format_cost(usd)


def _head(session: CompareSession | None, run: Run | None, index: int) -> str:
    if session is None or index >= len(session.entries):
        return f"**Pane {index + 1}** · empty"
    title = session.entries[index].title
    if run is None:
        return f"**{title}**"
    m = run.metrics
    times = " · ".join(f"{k.split('_')[0]} {m[k]:.2f} s" for k in ("predict_time", "total_time")
                       if k in m)
    parts = [pill(_PILLS.get(run.status, "run"), run.status), times,
             _cost(run.model, run.cost_usd) if run.done else ""]
    text = f"**{title}**  \n" + " · ".join(p for p in parts if p)
    if run.error:
        text += f"  \n{pill('err', 'Error')} {messages.scrub(run.error)}"
    return text


def _image(run: Run | None, base: Path) -> str | None:
    for name in run.files if run else []:
        path = resolve_name(name, base)
        if path.suffix.lower() in _IMAGES and path.is_file():
            return str(path)
    return None


def _summary(session: CompareSession | None) -> str:
    if session is None or not session.runs:
        return "No runs yet. " + _COST_NOTE
    rows = ["| entry | runs | ok | wins | losses | ties | mean predict | mean total | mean cost |",
            "|---|---|---|---|---|---|---|---|---|"]
    for s in session.summary():
        def t(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.2f} s"
        rows.append(f"| {s.label} | {s.runs} | {s.succeeded} | {s.wins} | {s.losses} | {s.ties} "
                    f"| {t(s.mean_predict_time)} | {t(s.mean_total_time)} "
                    f"| {_cost(session.entries[s.entry].ref, s.mean_cost_usd)} |")
    return "\n".join(rows) + "\n\n" + _COST_NOTE


def build(ctx: AppContext) -> None:
    gr.Markdown("Run **2 to 4 models** on the same input and the same seed, side by side. "
                "Vote on the outputs, then export the session (JSON + HTML report) or load an "
                "export to see it again and re-run it.", elem_classes=["tab-intro"])
    state = gr.State(None)
    first_task = "image-to-image"
    starters = _starters(ctx, first_task)
    with gr.Row():
        task = gr.Radio([(v, k) for k, v in TASKS.items()], value=first_task, label="Task",
                        elem_id=f"{TAB}-task")
    refs, overrides = [], []
    with gr.Group():
        for i in range(MAX_ENTRIES):
            with gr.Row(equal_height=True):
                refs.append(gr.Dropdown(
                    _choices(ctx, first_task), value=starters[i][0], allow_custom_value=True,
                    label=f"Entry {i + 1}", info="a model or a ready-made preset"
                    if i == 0 else None, elem_id=f"{TAB}-entry-{i}", scale=3))
                overrides.append(gr.Textbox(
                    starters[i][1], label="Overrides (JSON)",
                    placeholder=PLACEHOLDERS[first_task][0],
                    elem_id=f"{TAB}-overrides-{i}", scale=2))
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
                heads.append(gr.Markdown(_head(None, None, i), padding=True,
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
    summary = gr.Markdown(_summary(None), elem_id=f"{TAB}-summary")
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
            grid_ref = gr.Dropdown(_choices(ctx, first_task), value="local/rembg",
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

    form = [task, *refs, *overrides, prompt, image, audio, seed, shared]
    base = ctx.output_dir  # the data dir: session file names are relative to it
    panes = [*columns, *heads, *images, *texts, *votes]

    def _session_from(values: list[Any], previous: CompareSession | None) -> CompareSession:
        t, rest = values[0], values[1:]
        rs, os_ = rest[:MAX_ENTRIES], rest[MAX_ENTRIES:2 * MAX_ENTRIES]
        p, img, aud, sd, sh = rest[2 * MAX_ENTRIES:]
        return build_session(t, list(rs), list(os_), prompt=p, seed=sd, shared_json=sh,
                             file_path=img if FILE_INPUTS.get(t) == "image" else aud,
                             previous=previous, base=base)

    def _panes(session: CompareSession | None, runs: dict[int, Run]) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        text_task = session is not None and session.task in TEXT_TASKS
        for i in range(MAX_ENTRIES):
            run = runs.get(i)
            out[columns[i]] = gr.Column(visible=session is None or i < len(session.entries))
            out[heads[i]] = _head(session, run, i)
            out[images[i]] = gr.Image(value=_image(run, base), visible=not text_task)
            out[texts[i]] = gr.Textbox(value=(run.text or "") if run else "", visible=text_task
                                       or bool(run and run.text))
            verdict = session.verdict(run.round, i) if session and run else None
            out[votes[i]] = gr.Radio(value=verdict, interactive=run is not None and run.done)
        return out

    def _runner(ctx: AppContext) -> Runner:
        def describe(exc: BaseException) -> str:
            return messages.describe(exc, backend_url=ctx.backend.url,
                                     local=ctx.backend.is_local).markdown
        return Runner(_backend(ctx), describe=describe, data_dir=ctx.output_dir)

    # session id -> set once its running round has ended (Stop waits for the runner to let go)
    rounds: dict[str, asyncio.Event] = {}

    # a new round makes the last export stale: the Export box empties
    stale: dict[Any, Any] = {json_file: None, html_file: None}

    def _round_end(session: CompareSession, note: str = "") -> dict[Any, Any]:
        runs = {r.entry: r for r in session.round_runs()}
        ok = sum(r.status == "succeeded" for r in runs.values())
        text = f"Round {session.last_round}: {ok} of {len(session.entries)} succeeded."
        return {state: session, summary: _summary(session), **_panes(session, runs), **stale,
                status: f"{note} {text}" if note else text}

    async def _stream_round(session: CompareSession, token_value: Any,
                            pinned: bool) -> Any:
        runs: dict[int, Run] = {}
        ended = rounds[session.id] = asyncio.Event()
        try:
            yield {state: session, status: f"{pill('run', 'Running')} all entries at once…",
                   **_panes(session, runs), **stale}
            async for update in _runner(ctx).run_round(session, token=token_of(token_value),
                                                       pinned=pinned):
                runs[update.entry] = update.run
                yield _panes(session, runs)
        finally:
            ended.set()
        yield _round_end(session)

    async def stop(token_value: Any, session: CompareSession | None) -> Any:
        """Runs after the round is canceled: every pane gets its final state, and the summary."""
        if session is None or not session.runs:
            return {status: pill("stop", "Stopped")}
        ended = rounds.get(session.id)
        if ended is not None:  # the cancel and this handler arrive in either order
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ended.wait(), STOP_WAIT)
        await _runner(ctx).settle(session.round_runs(), token=token_of(token_value))
        return _round_end(session, pill("stop", "Stopped"))

    async def compare(*args: Any) -> Any:
        *values, token_value, previous = args
        try:
            session = _session_from(values, previous)
        except FormProblem as exc:
            raise gr.Error(str(exc)) from None
        async for update in _stream_round(session, token_value, pinned=False):
            yield update

    async def again(token_value: Any, session: CompareSession | None) -> Any:
        if session is None or not session.runs:
            raise gr.Error("Run a comparison (or load an exported one) first.")
        try:
            check_session_files(session, base)
        except SessionFileRefused as exc:
            raise gr.Error(str(exc), title="Session refused") from None
        async for update in _stream_round(session, token_value, pinned=True):
            yield update

    assert ctx.token_state is not None, "the shell creates token_state before building tabs"
    run_event = run_btn.click(compare, inputs=[*form, ctx.token_state, state],
                              outputs=[state, status, summary, *panes, json_file, html_file],
                              api_name="compare",
                              concurrency_limit=2, concurrency_id=f"{TAB}-run")
    again_event = again_btn.click(again, inputs=[ctx.token_state, state],
                                  outputs=[state, status, summary, *panes, json_file, html_file],
                                  api_name="compare_again", concurrency_id=f"{TAB}-run")
    stop_btn.click(stop, inputs=[ctx.token_state, state],
                   outputs=[state, status, summary, *panes, json_file, html_file],
                   cancels=[run_event, again_event],
                   api_name="compare_stop")

    for i, radio in enumerate(votes):
        def vote(verdict: str | None, session: CompareSession | None, i: int = i) -> Any:
            if session is None or not session.runs:
                return session, _summary(session)
            session.vote(session.last_round, i, verdict if verdict in VERDICTS else None)
            return session, _summary(session)

        radio.input(vote, inputs=[radio, state], outputs=[state, summary],
                    api_name=f"compare_vote_{i}", show_progress="hidden")

    def export(session: CompareSession | None) -> tuple[str, str]:
        if session is None or not session.runs:
            raise gr.Error("Nothing to export yet: run a comparison first.")
        folder = base / "compare" / "exports"
        stem = f"compare-{session.id}"
        return (str(export_json(session, folder / f"{stem}.json")),
                str(export_html(session, folder / f"{stem}.html", base)))

    export_btn.click(export, inputs=[state], outputs=[json_file, html_file],
                     api_name="compare_export")

    def load(path: str | None) -> Any:
        if not path:
            return {}
        try:
            session = load_json(Path(path), base)
        except (ValueError, OSError) as exc:
            # said in the status line: an error event would badge every output of the form
            return {status: f"{pill('err', 'Session not loaded')} "
                            f"{html.escape(load_problem(exc))}"}
        runs = {r.entry: r for r in session.round_runs()}
        missing = missing_files(session, base)
        note = f"Loaded session {session.id}: round {session.last_round} shown."
        if missing:
            note += (f" {pill('warn', 'Missing files')} {len(missing)} file(s) are not on this "
                     "computer.")
        out: dict[Any, Any] = {state: session, status: note, summary: _summary(session),
                               task: session.task, seed: session.seed, **_panes(session, runs)}
        for i in range(MAX_ENTRIES):
            entry = session.entries[i] if i < len(session.entries) else None
            out[refs[i]] = gr.Dropdown(choices=_choices(ctx, session.task),
                                       value=entry.ref if entry else None)
            out[overrides[i]] = json.dumps(entry.overrides) if entry and entry.overrides else ""
        other = {k: v for k, v in session.inputs.items() if k != "prompt"}
        out[shared] = json.dumps(other) if other else ""
        out[prompt] = gr.Textbox(value=session.inputs.get("prompt", ""),
                                 visible=session.task in PROMPT_TASKS)
        file_name = session.input_files.get(FILE_INPUTS.get(session.task, ""), "")
        path_in = resolve_name(file_name, base) if file_name else None
        value = str(path_in) if path_in and path_in.is_file() else None
        out[image] = gr.Image(value=value if FILE_INPUTS.get(session.task) == "image" else None,
                              visible=FILE_INPUTS.get(session.task) == "image")
        out[audio] = gr.Audio(value=value if FILE_INPUTS.get(session.task) == "audio" else None,
                              visible=FILE_INPUTS.get(session.task) == "audio")
        return out

    load_file.upload(load, inputs=[load_file],
                     outputs=[state, status, summary, task, seed, shared, prompt, image, audio,
                              *refs, *overrides, *panes], api_name="compare_load")

    def switch(t: str) -> Any:
        rows = _starters(ctx, t)
        choices = _choices(ctx, t)
        over_hint, shared_hint = PLACEHOLDERS.get(t, ("", ""))
        # the grid starts over for the new task (or hides: it only makes image grids)
        xn, xv, yn = GRID_STARTERS.get(t, ("", "", ""))
        first = rows[0][0] or ""
        return [gr.Textbox(visible=t in PROMPT_TASKS),
                gr.Image(visible=FILE_INPUTS.get(t) == "image"),
                gr.Audio(visible=FILE_INPUTS.get(t) == "audio"),
                *[gr.Dropdown(choices=choices, value=r) for r, _ in rows],
                *[gr.Textbox(value=o, placeholder=over_hint) for _, o in rows],
                gr.Textbox(placeholder=shared_hint),
                gr.Accordion(visible=t in GRID_TASKS),
                gr.Dropdown(choices=choices, value=rows[0][0]), xn, xv, yn,
                first if yn == "ref" else ("1, 2" if yn else ""), None]

    task.input(switch, inputs=[task],
               outputs=[prompt, image, audio, *refs, *overrides, shared, grid_box, grid_ref,
                        x_name, x_vals, y_name, y_vals, grid_image],
               api_name="compare_task", show_progress="hidden")

    async def grid(*args: Any) -> Any:
        *values, ref, xn, xv, yn, yv, token_value, previous = args
        try:
            session = _session_from(values, previous)
            x, y = Axis(xn.strip(), parse_values(xv)), Axis(yn.strip(), parse_values(yv))
            shared_inputs, _ = session.entry_parts(0, base)
            record = await run_grid(_runner(ctx), str(ref), shared_inputs, x, y,
                                    token=token_of(token_value), base=base)
        except (FormProblem, ValueError) as exc:
            raise gr.Error(str(exc)) from None
        session.grids.append(record)
        ok = sum(r.status == "succeeded" for r in record.runs)
        return (session, str(resolve_name(record.image, base)) if record.image else None,
                f"Grid: {ok} of {len(record.runs)} cells succeeded.")

    grid_btn.click(grid, inputs=[*form, grid_ref, x_name, x_vals, y_name, y_vals,
                                 ctx.token_state, state],
                   outputs=[state, grid_image, status], api_name="compare_grid",
                   concurrency_id=f"{TAB}-run")


if __name__ == "__main__":
    from playground.ui.app import main_for

    main_for(TAB)
