"""Add to Compare: a run from the History tab becomes an entry of the Compare tab's form.

Compare's `build` registers a `CompareAdd` on the context; the History tab reads the form
through it and gets back the updates: the entry (its model pinned to the version it ran on,
its settings as the entry's overrides), the inputs every entry shares (its prompt, image or
recording, seed), and the entry's pane showing the run's saved output until Compare is
pressed. Only the form changes: the session (`gr.State`) starts anew on Compare, as after any
edit of the entries.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from playground.compare.from_history import RunEntry
from playground.compare.session import MAX_ENTRIES
from playground.ui.compare.view import (
    PLACEHOLDERS,
    TEXT_TASKS,
    ComparePage,
    choices,
    pane_head,
    starters,
)
from playground.ui.context import AppContext
from playground.ui.kit.runner import pill


@dataclass
class CompareAdd:
    """What Add to Compare reads and writes in the Compare tab."""

    ctx: AppContext
    page: ComparePage
    switched: list[Any]  # what Compare's task switch updates, in the order `switch` returns
    switch: Callable[[AppContext, str], list[Any]]  # a task's fresh form (compare.switch)

    @property
    def form(self) -> list[Any]:
        p = self.page
        return [p.task, *p.refs, *p.overrides, p.prompt, p.image, p.audio, p.seed]

    @property
    def outputs(self) -> list[Any]:
        p = self.page
        return list({id(c): c for c in [*self.switched, *self.form, *p.panes,
                                        p.status]}.values())


@dataclass
class Added:
    updates: dict[Any, Any]
    slot: int | None  # the entry it is (None: not added, `said` says why)
    said: str


def add_entry(add: CompareAdd, run: RunEntry, output_image: str | None, output_text: str,
              form: list[Any]) -> Added:
    """The run as an entry of the form (`form`: the values of `add.form`)."""
    page, n = add.page, MAX_ENTRIES
    task, refs, boxes = form[0], list(form[1:1 + n]), list(form[1 + n:1 + 2 * n])
    prompt, image, audio, seed = form[1 + 2 * n:1 + 2 * n + 4]
    box = json.dumps(run.overrides) if run.overrides else ""
    out: dict[Any, Any] = {}
    notes: list[str] = []
    if task != run.task:  # that task's fresh form, this run first
        out.update(zip(add.switched, add.switch(add.ctx, run.task), strict=True))
        out[page.task] = run.task
        rows = [(run.ref, box), *starters(add.ctx, run.task)][:n]
        found = [*choices(add.ctx, run.task), (f"From History: {_model(run.ref)}", run.ref)]
        hint = PLACEHOLDERS.get(run.task, ("", ""))[0]
        for i, (ref, over) in enumerate(rows):
            out[page.refs[i]] = gr.Dropdown(choices=found, value=ref)
            out[page.overrides[i]] = gr.Textbox(value=over, placeholder=hint)
        out.update(_empty_panes(page, run.task))
        slot = 0
    else:
        slot = _same_entry(run, refs, boxes)
        others = any(str(r or "").strip() for r in refs)
        if slot is None:
            slot = next((i for i, r in enumerate(refs) if not str(r or "").strip()), None)
            if slot is None:
                return Added({}, None, f"Compare already has {n} entries: empty one (clear "
                             "its model) and press Add to Compare again.")
            out[page.refs[slot]], out[page.overrides[slot]] = run.ref, box
        shared_file = audio if run.task == "transcription" else image
        notes += _shared_notes(run, prompt, shared_file, seed) if others else []
    if run.prompt is not None:
        out[page.prompt] = run.prompt
    if run.file is not None:
        out[page.audio if run.task == "transcription" else page.image] = str(run.file)
    if run.seed is not None:
        out[page.seed] = run.seed
    out.update(_pane(page, slot, run, output_image, output_text))
    if run.left_out:
        notes.append(f"left out: {', '.join(run.left_out)} (files and secrets beyond the "
                     "shared ones cannot be part of a comparison)")
    said = (f"{pill('ok', 'Added from History')} **{html.escape(_model(run.ref))}** is Entry "
            f"{slot + 1}, with its settings" + "".join(f"; {x}" for x in notes) +
            ". Press **Compare** to run every entry side by side; until then its pane shows "
            "the saved output.")
    out[page.status] = said
    return Added(out, slot, said)


def _same_entry(run: RunEntry, refs: list[Any], boxes: list[Any]) -> int | None:
    """The entry that already is this run (same model and settings), if any."""
    for i, (ref, box) in enumerate(zip(refs, boxes, strict=True)):
        try:
            over = json.loads(box) if str(box or "").strip() else {}
        except ValueError:
            continue
        if str(ref or "").strip() == run.ref and over == run.overrides:
            return i
    return None


def _shared_notes(run: RunEntry, prompt: Any, file: Any, seed: Any) -> list[str]:
    """What changes for the other entries: the shared inputs are now this run's."""
    notes = []
    if run.prompt is not None and str(prompt or "").strip() and prompt != run.prompt:
        notes.append("the shared prompt is now this run's")
    if run.file is not None and file and not _same_file(Path(str(file)), run.file):
        notes.append(f"the shared {'recording' if run.task == 'transcription' else 'image'} "
                     "is now this run's")
    if run.seed is not None and seed not in (None, "") and seed != run.seed:
        notes.append(f"the pinned seed is now {run.seed}")
    return notes


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _empty_panes(page: ComparePage, task: str) -> dict[Any, Any]:
    text = task in TEXT_TASKS
    out: dict[Any, Any] = {}
    for i in range(MAX_ENTRIES):
        out.update({page.columns[i]: gr.Column(visible=True),
                    page.heads[i]: pane_head(None, None, i),
                    page.images[i]: gr.Image(value=None, visible=not text),
                    page.texts[i]: gr.Textbox(value="", visible=text),
                    page.votes[i]: gr.Radio(value=None, interactive=False)})
    return out


def _pane(page: ComparePage, slot: int, run: RunEntry, image: str | None,
          text: str) -> dict[Any, Any]:
    """The entry's pane with the saved output (no vote: it is not part of a round yet)."""
    head = (f"**{html.escape(_model(run.ref))}**  \n{pill('ok', 'Saved output')} from History, "
            "not run in this comparison yet")
    shows_text = run.task in TEXT_TASKS or bool(text)
    return {page.columns[slot]: gr.Column(visible=True), page.heads[slot]: head,
            page.images[slot]: gr.Image(value=image, visible=run.task not in TEXT_TASKS),
            page.texts[slot]: gr.Textbox(value=text, visible=shows_text),
            page.votes[slot]: gr.Radio(value=None, interactive=False)}


def _model(ref: str) -> str:
    """owner/name:version shortened for a heading (the version's first 8 characters)."""
    name, _, version = ref.partition(":")
    return f"{name}:{version[:8]}" if version else name
