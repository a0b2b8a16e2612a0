"""How the History tab shows runs: a page of the list, one opened run, the filters.

Plain functions of the history and a record (no events here): `ui/history/tab.py` wires them.
"""

from __future__ import annotations

import html
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from playground.compare import cost_text, is_local
from playground.forms import MediaKind, label_of, media_kind
from playground.service import Filters, RunHistory, RunRecord
from playground.tasks import TABLE
from playground.ui.kit import messages
from playground.ui.kit.runner import pill

PAGE_SIZE = 12
ALL = ""  # the "no filter" choice of every dropdown
WHEN = {"Any time": None, "Last hour": 3600, "Today": 86400, "Last 7 days": 7 * 86400,
        "Last 30 days": 30 * 86400}
STATUSES = [("Any status", ALL), ("Succeeded", "succeeded"), ("Failed", "failed"),
            ("Canceled", "canceled"), ("Interrupted", "interrupted")]
# a stored run's task -> its label: every task of the table, then "model" and "compare"
TASK_LABELS = TABLE.history_labels()
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp")
# interrupted: the app or the backend went away mid-run (the run's error says which);
# starting/processing: still running (its text so far is kept as it streams)
_STATUS_PILL = {"succeeded": "ok", "failed": "err", "canceled": "stop", "interrupted": "warn",
                "starting": "run", "processing": "run"}


@dataclass
class View:
    """One browser's place in the list: the cursor of each page so far, the runs shown."""

    cursors: list[str | None] = field(default_factory=lambda: [None])
    ids: list[str] = field(default_factory=list)
    next_cursor: str | None = None
    opened: str | None = None


def filters_of(search: str | None, task: str | None, model: str | None, status: str | None,
               when: str | None, now: float | None = None) -> Filters:
    span = WHEN.get(when or "")
    return Filters(task=task or None, model=model or None, status=status or None,
                   since=(now or time.time()) - span if span else None,
                   text=(search or "").strip()[:200] or None)


def when_text(started: float, now: float | None = None) -> str:
    ago = (now or time.time()) - started
    if ago < 60:
        return "just now"
    if ago < 3600:
        return f"{int(ago // 60)} min ago"
    stamp = datetime.fromtimestamp(started)
    today = datetime.fromtimestamp(now or time.time())
    if stamp.date() == today.date():
        return stamp.strftime("today %H:%M")
    return stamp.strftime("%d %b, %H:%M" if stamp.year == today.year else "%d %b %Y, %H:%M")


def thumbnail(history: RunHistory, record: RunRecord) -> str | None:
    """The first output image, else the first input image (a failed upscale shows its input)."""
    inputs = [v for v in history.input_values(record).values() if isinstance(v, Path)]
    for path in [*history.output_paths(record), *inputs]:
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
            return str(path)
    return None


def row(history: RunHistory, record: RunRecord,
        labels: dict[str, str] = TASK_LABELS) -> list[Any]:
    """One line of the list: thumbnail, what ran and its snippet, when."""
    label = labels.get(record.task, record.task.capitalize())
    status = "" if record.status == "succeeded" else (
        f" {pill(_STATUS_PILL.get(record.status, 'warn'), record.status)}")
    snippet = record.snippet or settings_text(record)
    return [thumbnail(history, record),
            f"<div class='history-row'><b>{html.escape(label)}</b> · "
            f"<code>{html.escape(record.model)}</code>{status}"
            f"<div class='history-snippet'>{html.escape(snippet)}</div></div>",
            when_text(record.started_at)]


# the app keeps an upload by its bytes (a hashed name), not the name it had: said by its kind
_FILE_WORDS: dict[MediaKind, str] = {"image": "an image", "audio": "a recording",
                                     "video": "a video", "file": "a file"}


def value_text(value: Any) -> str | None:
    """An input's value as a person reads it (Yes/No, "an image"); None: not shown."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict) and isinstance(value.get("$file"), str):
        return _FILE_WORDS[media_kind(value["$file"])]
    if isinstance(value, dict | list) or value is None:
        return None  # a secret, or a structure too big for one line
    return str(value)


def settings_text(record: RunRecord) -> str:
    """"Scale: 4 · Face enhance: No · Image: an image" for a run with no text to show."""
    shown = ((label_of(k), value_text(v)) for k, v in record.inputs.items())
    parts = [f"{label}: {text}" for label, text in shown if text is not None][:5]
    return " · ".join(parts)[:160]


def list_runs(history: RunHistory, owner: Any, view: View, filters: Filters,
              move: int = 0, labels: dict[str, str] = TASK_LABELS
              ) -> tuple[list[list[Any]], str, View]:
    """The page `move` pages from the current one (0: reload it, from the top if moved off);
    `labels`: the tasks' labels (the app's task table's `history_labels()`)."""
    cursors = list(view.cursors) if move >= 0 else list(view.cursors[:-1]) or [None]
    if move > 0 and view.next_cursor:
        cursors.append(view.next_cursor)
    elif move == 0:
        cursors = [None]
    page = history.page(owner, filters, cursors[-1], PAGE_SIZE)
    total = history.count(owner, filters)
    new = View(cursors, [r.id for r in page.runs], page.next_cursor, view.opened)
    first = (len(cursors) - 1) * PAGE_SIZE
    if total == 0:  # no storage figure: it counts every browser's runs, none of them yours
        summary = ("No runs match." if _filtered(filters) else
                   "No runs yet: every run you make in any tab appears here.")
    else:
        summary = (f"Runs {first + 1}–{first + len(page.runs)} of {total} · "
                   f"{history.usage_line()}")
    return [row(history, r, labels) for r in page.runs], summary, new


def _filtered(filters: Filters) -> bool:
    return any((filters.task, filters.model, filters.status, filters.since, filters.text))


def details_markdown(record: RunRecord, labels: dict[str, str] = TASK_LABELS) -> str:
    """The opened run's first lines, in plain words: what, when, how long, what went wrong."""
    label = labels.get(record.task, record.task)
    when = datetime.fromtimestamp(record.started_at).strftime("%d %b %Y, %H:%M:%S")
    status = pill(_STATUS_PILL.get(record.status, "warn"), record.status.capitalize())
    lines = [f"{status} **{html.escape(label)}** from the {html.escape(record.tab)} tab · {when}"]
    metrics = record.metrics
    times = [f"**{name}** {metrics[key]:.2f} s" for key, name in (
        ("predict_time", "Predict time"), ("total_time", "Total time")) if key in metrics]
    if record.cost_usd is not None or is_local(record.model):
        times.append(f"**Cost** {cost_text(record.model, record.cost_usd)}")
    if times:
        lines.append(" · ".join(times))
    if record.error:
        lines.append(f"**Error** {html.escape(messages.scrub(record.error))}")
    return "  \n".join(lines)


def technical_markdown(record: RunRecord) -> str:
    """The run's model, version, server and prediction id: under its Details."""
    version = record.version or "latest"
    short = f"{version[:12]}…" if len(version) > 14 else version
    lines = [f"**Model** `{html.escape(record.model)}` · **version** `{html.escape(short)}`",
             f"**Backend** {html.escape(record.backend_kind)} `{html.escape(record.backend_url)}`"]
    if record.prediction_id:
        lines.append(f"**Prediction** `{html.escape(record.prediction_id)}`")
    return "  \n".join(lines)


def inputs_shown(record: RunRecord) -> dict[str, Any]:
    """Inputs for the JSON view: a file by its name, a secret as "(secret, not kept)"."""
    def show(value: Any) -> Any:
        if isinstance(value, dict):
            if "$file" in value:
                return f"(file {value['$file']})"
            if "$secret" in value:
                return "(secret, not kept)"
            return {k: show(v) for k, v in value.items()}
        if isinstance(value, list):
            return [show(v) for v in value]
        return value
    return show(record.inputs)


def output_text(record: RunRecord) -> str:
    out = record.output
    if isinstance(out, list) and all(isinstance(x, str) for x in out):
        return "".join(out)
    if isinstance(out, str):
        return out
    if isinstance(out, dict):
        for key in ("transcription", "text", "output"):
            if isinstance(out.get(key), str):
                return str(out[key])
    return ""


@dataclass
class Detail:
    """The components that show one opened run."""

    box: gr.Column
    hint: gr.Markdown
    head: gr.Markdown
    images: gr.Gallery
    text: gr.Textbox
    inputs: gr.JSON
    files: gr.File
    logs: gr.Textbox
    download: gr.DownloadButton
    delete: gr.Button
    confirm: gr.Button
    status: gr.Markdown
    technical: gr.Markdown  # model, version, server: in the Details under the buttons

    @property
    def outputs(self) -> list[Any]:
        return [self.box, self.hint, self.head, self.images, self.text, self.inputs, self.files,
                self.logs, self.download, self.delete, self.confirm, self.status,
                self.technical]


def open_updates(history: RunHistory, detail: Detail, record: RunRecord | None,
                 labels: dict[str, str] = TASK_LABELS) -> dict[Any, Any]:
    if record is None:
        return {detail.box: gr.Column(visible=False), detail.hint: gr.Markdown(
            f"{pill('warn', 'Not found')} That run is not in your history (deleted, or pruned "
            "to stay under the size cap).", visible=True)}
    outputs = history.output_paths(record)
    images = [str(p) for p in outputs if p.suffix.lower() in IMAGE_SUFFIXES]
    text = output_text(record)
    inputs = history.input_values(record)
    input_files = [str(v) for v in inputs.values() if isinstance(v, Path) and v.is_file()]
    return {
        detail.box: gr.Column(visible=True),
        detail.hint: gr.Markdown(visible=False),
        detail.head: details_markdown(record, labels),
        detail.technical: technical_markdown(record),
        detail.images: gr.Gallery(images, visible=bool(images)),
        detail.text: gr.Textbox(text, visible=bool(text)),
        detail.inputs: inputs_shown(record),
        detail.files: gr.File([str(p) for p in outputs] + input_files,
                              visible=bool(outputs or input_files)),
        detail.logs: messages.scrub(record.logs or ""),
        detail.download: gr.DownloadButton(visible=True),
        detail.delete: gr.Button(visible=True),
        detail.confirm: gr.Button(visible=False),
        detail.status: "",
    }


def bundle(history: RunHistory, owner: Any, run_id: str | None) -> str | None:
    """The zip for Download, in a folder of its own under the system temp (Gradio serves it
    from its cache; the outputs folder gets no zips)."""
    if not run_id:
        return None
    path = history.bundle(owner, run_id, Path(tempfile.mkdtemp(prefix="playground-run-")))
    return str(path) if path else None
