"""What the Compare tab shows: its components, and a session rendered into them (no events).

`ComparePage` holds every component the handlers in `playground.ui.compare.tab` update, so those
handlers can be plain top-level functions.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr

from playground.compare import CompareSession, Runner, blind, cost_note, cost_text
from playground.compare.forms import LOCAL_STARTERS, local_models
from playground.compare.service_backend import ServiceBackend
from playground.compare.session import MAX_ENTRIES, Run, resolve_name
from playground.compare.verdicts import round_findings
from playground.results import RunResult, format_seconds
from playground.service import Caller, scrub
from playground.ui.compare.forms import EntryForm
from playground.ui.context import AppContext
from playground.ui.kit import messages
from playground.ui.kit.runner import pill

TAB = "compare"
VERDICTS = ["better", "worse", "tie"]
# each vote worded against what it is compared with: the other entries of the round
VOTE_CHOICES = [("Better than the others", "better"), ("Not as good", "worse"),
                ("About the same", "tie")]
_IMAGES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}
# Status pills (CSS in shell.py), not emoji: Debian's Chromium fonts draw those as empty boxes.
_PILLS = {"succeeded": "ok", "failed": "err", "canceled": "stop"}
BLIND_HINT = ("Blind: vote on every output to see which model made which (or press "
              "Reveal).")
NOT_RUN_YET, EMPTY = " · not run yet", " · empty"  # a pane's head before anything is in it
STOP_WAIT = 20.0  # seconds Stop waits for a canceled round to wind down
TEXT_TASKS = frozenset({"chat", "transcription"})
GRID_TASKS = frozenset({"image-to-image", "image"})  # the X/Y grid is one image of images
# (overrides, shared inputs) placeholders: an example that makes sense for the task
PLACEHOLDERS = {"image-to-image": ('{"scale": 2}', '{"scale": 2}'),
                "image": ('{"num_inference_steps": 4}', '{"width": 512, "height": 512}'),
                "chat": ('{"temperature": 0.9}', '{"max_tokens": 64}'),
                "transcription": ('{"temperature": 0.8}', '{"language": "en"}')}
# (X setting, X values, Y setting) a new grid starts from (Y empty: X alone)
GRID_STARTERS = {"image-to-image": ("model", "modnet, u2netp", ""),
                 "image": ("num_inference_steps", "1, 4", "seed")}




@dataclass
class RoundHandle:
    """A running round, for Stop: its runner (to stop its entries), whether Stop was pressed,
    and an event set once the round's updates have ended."""

    runner: Runner
    stopped: bool = False
    ended: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class ComparePage:
    """The Compare tab's components (built by `compare.build`) and its running rounds."""

    state: gr.State
    task: gr.Radio
    refs: list[gr.Dropdown]
    overrides: list[gr.Textbox]
    prompt: gr.Textbox
    image: gr.Image
    audio: gr.Audio
    seed: gr.Number
    shared: gr.Textbox
    status: gr.Markdown
    columns: list[gr.Column]
    heads: list[gr.Markdown]
    images: list[gr.Image]
    texts: list[gr.Textbox]
    votes: list[gr.Radio]
    summary: gr.Markdown
    json_file: gr.File
    html_file: gr.File
    base: Path  # the data dir: session file names are relative to it
    # each entry's own form (the Models tab's): its model's setup and its fields' values
    entry_forms: list[EntryForm] = field(default_factory=list)
    # what choosing a task updates (its note, the buttons it turns off, its inputs, entries
    # and grid), in the order `actions.switch` returns: a loaded session goes the same way
    switched: list[Any] = field(default_factory=list)
    # session id -> set once its running round has ended (Stop waits for the runner to let go)
    rounds: dict[str, RoundHandle] = field(default_factory=dict)
    blind_box: gr.Checkbox | None = None  # new rounds blind (compare.blind)
    room: gr.State | None = None  # the shared session this page votes in (a voter's page)
    # a prompt set's (input shown, verdict table, progress line): prompt_set.wire_set
    set_parts: list[Any] = field(default_factory=list)
    set_lines: gr.Textbox | None = None  # the prompt set's typed inputs (History adds to it)

    @property
    def form(self) -> list[Any]:
        """The inputs a round is made from (the entries' field values: `entry_values`)."""
        return [self.task, *self.refs, *self.overrides, self.prompt, self.image, self.audio,
                self.seed, self.shared, *[f.setup for f in self.entry_forms]]

    @property
    def entry_values(self) -> list[Any]:
        """Each entry's field values as the browser holds them (last in an event's inputs:
        the public API's positional order stays as it was)."""
        return [f.values for f in self.entry_forms]

    @property
    def panes(self) -> list[Any]:
        return [*self.columns, *self.heads, *self.images, *self.texts, *self.votes]

    @property
    def round_outputs(self) -> list[Any]:
        """What a round updates: state, status, summary, panes, and the (stale) export."""
        return [self.state, self.status, self.summary, *self.panes, self.json_file,
                self.html_file]

    def show_panes(self, session: CompareSession | None,
                   runs: dict[int, Run]) -> dict[Any, Any]:
        """Every pane as `runs` (entry -> run) show it; a blind round's in its own order,
        named by letters until its reveal (`compare.blind`)."""
        out: dict[Any, Any] = {}
        text_task = session is not None and session.task in TEXT_TASKS
        order, masked = blind.order(session), blind.hidden(session)
        for pane in range(MAX_ENTRIES):
            i = order[pane] if pane < len(order) else pane
            run = runs.get(i)
            out[self.columns[pane]] = gr.Column(visible=session is None
                                                or pane < len(session.entries))
            # the output named after its entry too (a screen reader reads the label)
            label = session.entries[i].title if session and i < len(session.entries) \
                else "Output"
            if masked:
                out[self.heads[pane]] = hidden_head(run, pane)
                label = f"Output {blind.letter(pane)}"
            else:
                out[self.heads[pane]] = pane_head(session, run, i)
            out[self.images[pane]] = gr.Image(value=pane_image(run, self.base),
                                              visible=not text_task, label=label)
            out[self.texts[pane]] = gr.Textbox(value=(run.text or "") if run else "",
                                               visible=text_task or bool(run and run.text),
                                               label=label)
            verdict = session.verdict(run.round, i) if session and run else None
            out[self.votes[pane]] = gr.Radio(value=verdict,
                                             interactive=run is not None and run.done)
        return out

    def show_round(self, session: CompareSession | None) -> dict[Any, Any]:
        """The latest round's panes and summary, as they stand (after a reveal, say)."""
        runs = {r.entry: r for r in session.round_runs(session.shown_round)} if session else {}
        return {**self.show_panes(session, runs),
                self.summary: summary_table(session, self.base)}

    def unchanged(self) -> dict[Any, Any]:
        """An update of nothing (Gradio reads an empty dict as one value, not as no update)."""
        return {self.status: gr.skip()}

    def stale_export(self) -> dict[Any, Any]:
        """A new round makes the last export stale: the Export box empties."""
        return {self.json_file: None, self.html_file: None}

    def round_end(self, session: CompareSession, stopped: bool = False) -> dict[Any, Any]:
        """The round's last word; after Stop, counted as its panes show it (a stopped run
        is never counted as succeeded)."""
        runs = {r.entry: r for r in session.round_runs()}
        count = {s: sum(r.status == s for r in runs.values())
                 for s in ("succeeded", "failed", "canceled")}
        n, total = session.last_round, len(session.entries)
        if stopped:
            text = f"{pill('stop', 'Stopped')} Round {n}: {count['succeeded']} of {total} " \
                   "finished before the stop" + "".join(
                       f"; {count[s]} {word}" for s, word in (("canceled", "stopped"),
                                                              ("failed", "failed"))
                       if count[s]) + "."
        else:
            text = f"Round {n}: {count['succeeded']} of {total} succeeded."
        if blind.hidden(session):
            text += " " + BLIND_HINT
        return {self.state: session, self.summary: summary_table(session, self.base),
                **self.show_panes(session, runs), **self.stale_export(), self.status: text}


def runner(ctx: AppContext, caller: Caller | None = None) -> Runner:
    """A runner on the service, wording errors and failed runs as every other tab does; its
    runs are `caller`'s (`runner.runs_of`: this browser's)."""
    def describe(exc: BaseException) -> str:
        return in_pane(messages.describe(exc, backend_url=ctx.backend.url,
                                         local=ctx.backend.is_local,
                                         had_token=ctx.has_server_token))

    def failed(result: RunResult) -> str:
        return in_pane(messages.for_result(result, local=ctx.backend.is_local))

    return Runner(ServiceBackend(ctx.service, caller), describe=describe, failed=failed,
                  data_dir=ctx.data_dir)


_UNDER_DETAILS = re.compile(r"[^.;]*\bunder Details\b[^.]*\.?")


def in_pane(message: messages.Message) -> str:
    """A message as a pane says it: a pane has no Details to point to, so what the tabs keep
    there (the model's own words, the fix) is said in the pane itself."""
    if not message.detail:
        return message.markdown
    text = re.sub(r"[;,]$", ".", _UNDER_DETAILS.sub("", message.text).strip())
    if message.detail.lower().startswith(text.rstrip(".").lower()):
        text = ""  # the detail starts with what the text says: once is enough
    return f"**{message.title}.** {text} {message.detail}".replace("  ", " ")


def choices(ctx: AppContext, task: str) -> list[tuple[str, str]]:
    """A Compare group's entry choices: offline its tasks' local models, beside another
    backend the `--cog` models on the engine (any task: they are the author's), then the
    tasks' presets (the tasks of the group: the app's task table)."""
    ids = tuple(r.id for r in ctx.tasks.in_group(task))
    if ctx.backend.is_local:
        found = local_models(p for t in ids for p in ctx.presets.for_task(t))
    else:
        found = list(ctx.service.local_models())  # {} without an engine beside
    out = [(ref, ref) for ref in found]
    return out + ServiceBackend(ctx.service).preset_choices(ids)


def cannot_run(ctx: AppContext, task: str) -> str:
    """Why this Compare group cannot run on this backend, in plain words ("" when it can):
    offline, a group none of whose local models can run here (no picture model is installed).
    Said before a run, by the task's choice; the page's Details (at its top) say how to start
    the playground with a token."""
    if not ctx.backend.is_local:
        return ""
    ids = tuple(r.id for r in ctx.tasks.in_group(task))
    found = local_models(p for t in ids for p in ctx.presets.for_task(t))
    engine = ctx.service.local_models()
    # an engine that could not be asked is given the benefit of the doubt: the run will say
    if not engine or any(ref in engine and engine[ref].available for ref in found):
        return ""
    label = ctx.tasks.compare_labels().get(task, task)
    return (f"{pill('warn', 'Not available offline')} {label} needs Replicate's cloud: none of "
            "its models runs on this computer. To compare them, start the playground again "
            "with a Replicate API token (how: **Details**, at the top of the page).")


def task_choices(ctx: AppContext) -> list[tuple[str, str]]:
    """The Task radio's choices: one that cannot run here says so in its name."""
    return [(f"{label} (needs Replicate's cloud)" if cannot_run(ctx, group) else label, group)
            for group, label in ctx.tasks.compare_labels().items()]


def starters(ctx: AppContext, task: str) -> list[tuple[str | None, str]]:
    starters = LOCAL_STARTERS.get(task, []) if ctx.backend.is_local else []
    rows: list[tuple[str | None, str]] = [
        (ref, json.dumps(over) if over else "") for ref, over in starters]
    if not rows:
        rows = [(value, "") for _, value in choices(ctx, task)[:2]]
    return (rows + [(None, "")] * MAX_ENTRIES)[:MAX_ENTRIES]


def pane_head(session: CompareSession | None, run: Run | None, index: int,
              name: str = "") -> str:
    """The pane's title and its run's state; before a session, the entry's `name` (the form's)."""
    if session is None or index >= len(session.entries):
        return f"**{name}**{NOT_RUN_YET}" if name else f"**Pane {index + 1}**{EMPTY}"
    title = session.entries[index].title
    if run is None:
        return f"**{title}**"
    m = run.metrics
    times = " · ".join(f"{word} {format_seconds(m[k], 2)}"
                       for k, word in (("predict_time", "model time"), ("total_time", "total"))
                       if k in m)
    parts = [pill(_PILLS.get(run.status, "run"), run.shown_status), times,
             cost_text(run.model, run.cost_usd) if run.done else ""]
    text = f"**{title}**  \n" + " · ".join(p for p in parts if p)
    if run.status == "queued" and run.waiting:  # demo mode: its place in the room's line
        text += f"  \n{pill('warn', 'Waiting')} {scrub(run.waiting)}"
    if run.status == "canceled":  # Stop: not an error; what it made so far stays shown
        text += "  \nStopped before it finished."
    elif run.error:
        text += f"  \n{pill('err', 'Error')} {scrub(run.error)}"
    return text


def hidden_head(run: Run | None, pane: int) -> str:
    """A blind pane's title: its letter and whether it finished, nothing that names its model
    (no times or cost, no error text, which may quote the model's name)."""
    title = f"**{blind.letter(pane)}**"
    if run is None:
        return title
    text = f"{title}  \n{pill(_PILLS.get(run.status, 'run'), run.shown_status)}"
    if run.status == "queued" and run.waiting:  # the line names no model
        text += f"  \n{pill('warn', 'Waiting')} {scrub(run.waiting)}"
    if run.status == "failed":
        text += "  \nThis output failed; what went wrong shows with the names."
    return text


def shows_nothing(head: str | None) -> bool:
    """Whether a pane's head is a placeholder (no run, nothing from History, in it yet)."""
    return str(head or "").endswith((NOT_RUN_YET, EMPTY))


def pane_image(run: Run | None, base: Path) -> str | None:
    for name in run.files if run else []:
        path = resolve_name(name, base)
        if path.suffix.lower() in _IMAGES and path.is_file():
            return str(path)
    return None


def summary_table(session: CompareSession | None, base: Path | None = None) -> str:
    """What the latest round shows, in sentences, then every entry's totals."""
    if session is None or not session.runs:
        return "No runs yet."
    if blind.hidden(session):
        return ("**Blind round.** Which model made which output, with their times and "
                "costs, shows once every output has your vote, or when you press **Reveal** "
                "(the round's votes then do not count as blind).")
    # votes: how often you voted it better than / not as good as / the same as the others
    rows = ["| entry | runs | done | better | not as good | same | model time | total time "
            "| cost |",
            "|---|---|---|---|---|---|---|---|---|"]
    models = []
    for s in session.summary():
        def t(v: float | None) -> str:
            return format_seconds(v, 2)
        model = next((r.model for r in session.runs if r.entry == s.entry and r.model),
                     session.entries[s.entry].ref)
        models.append(model)
        rows.append(f"| {s.label} | {s.runs} | {s.succeeded} | {s.wins} | {s.losses} | {s.ties} "
                    f"| {t(s.mean_predict_time)} | {t(s.mean_total_time)} "
                    f"| {cost_text(model, s.mean_cost_usd)} |")
    found = round_findings(session, base, session.shown_round)
    head = (f"Round {session.shown_round} in short:\n\n" + "\n".join(f"- {html.escape(line)}"
                                                          for line in found) + "\n\n"
            if found else "")
    return head + "\n".join(rows) + "\n\n" + cost_note(models)
