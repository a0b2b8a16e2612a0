"""History tab: every run, newest first; search, filter, open one, run it again or delete it.

The list is one page of runs (keyset paged by the store, so page 400 costs what page 1 does);
opening a run shows everything kept about it. Every handler takes the browser's owner id from
its `gr.BrowserState`: without the shared history a browser reaches only its own runs.
"""

from __future__ import annotations

import html
import json
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from playground.history import Filters, RunRecord
from playground.history.runs import RunHistory
from playground.ui import messages, widgets
from playground.ui.context import AppContext
from playground.ui.runner import pill

TAB = "history"
PAGE_SIZE = 12
ALL = ""  # the "no filter" choice of every dropdown
WHEN = {"Any time": None, "Last hour": 3600, "Today": 86400, "Last 7 days": 7 * 86400,
        "Last 30 days": 30 * 86400}
STATUSES = [("Any status", ALL), ("Succeeded", "succeeded"), ("Failed", "failed"),
            ("Canceled", "canceled")]
TASK_LABELS = {"image": "Image", "chat": "Chat", "transcribe": "Transcribe",
               "upscale": "Upscale", "rembg": "Remove background", "faces": "Restore faces",
               "model": "Model", "compare": "Compare"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp")
# Added to the page's CSS by the shell.
CSS = """
#history-list td { text-align: left; vertical-align: middle; }
#history-list td:first-child { width: 96px; }
#history-list td:last-child { width: 150px; white-space: nowrap;
  color: var(--body-text-color-subdued); }
#history-list img { max-height: 72px; width: auto; border-radius: 6px; }
.history-row code { font-size: .8rem; }
.history-snippet { color: var(--body-text-color-subdued); font-size: .9rem; margin-top: 2px;
  overflow: hidden; text-overflow: ellipsis; display: -webkit-box; -webkit-line-clamp: 2;
  -webkit-box-orient: vertical; }
"""
_STATUS_PILL = {"succeeded": "ok", "failed": "err", "canceled": "stop"}


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


def row(history: RunHistory, record: RunRecord) -> list[Any]:
    """One line of the list: thumbnail, what ran and its snippet, when."""
    label = TASK_LABELS.get(record.task, record.task.capitalize())
    status = "" if record.status == "succeeded" else (
        f" {pill(_STATUS_PILL.get(record.status, 'warn'), record.status)}")
    snippet = record.snippet or settings_text(record)
    return [thumbnail(history, record),
            f"<div class='history-row'><b>{html.escape(label)}</b> · "
            f"<code>{html.escape(record.model)}</code>{status}"
            f"<div class='history-snippet'>{html.escape(snippet)}</div></div>",
            when_text(record.started_at)]


def settings_text(record: RunRecord) -> str:
    """"scale 4 · face_enhance false" for a run with no text to show."""
    parts = [f"{k} {json.dumps(v) if not isinstance(v, str) else v}"
             for k, v in record.inputs.items()
             if not isinstance(v, dict | list) and v is not None][:5]
    return " · ".join(parts)[:160]


def list_runs(history: RunHistory, owner: Any, view: View, filters: Filters,
              move: int = 0) -> tuple[list[list[Any]], str, View]:
    """The page `move` pages from the current one (0: reload it, from the top if moved off)."""
    cursors = list(view.cursors) if move >= 0 else list(view.cursors[:-1]) or [None]
    if move > 0 and view.next_cursor:
        cursors.append(view.next_cursor)
    elif move == 0:
        cursors = [None]
    page = history.page(owner, filters, cursors[-1], PAGE_SIZE)
    total = history.count(owner, filters)
    new = View(cursors, [r.id for r in page.runs], page.next_cursor, view.opened)
    first = (len(cursors) - 1) * PAGE_SIZE
    if total == 0:
        said = ("No runs match." if _filtered(filters) else
                "No runs yet: every run you make in any tab appears here.")
    else:
        said = f"Runs {first + 1}–{first + len(page.runs)} of {total}"
    summary = f"{said} · {history.usage_line()}"
    return [row(history, r) for r in page.runs], summary, new


def _filtered(filters: Filters) -> bool:
    return any((filters.task, filters.model, filters.status, filters.since, filters.text))


def details_markdown(record: RunRecord) -> str:
    label = TASK_LABELS.get(record.task, record.task)
    version = record.version or "latest"
    short = f"{version[:12]}…" if len(version) > 14 else version
    when = datetime.fromtimestamp(record.started_at).strftime("%d %b %Y, %H:%M:%S")
    status = pill(_STATUS_PILL.get(record.status, "warn"), record.status.capitalize())
    lines = [
        f"{status} **{html.escape(label)}** from the {html.escape(record.tab)} tab · {when}",
        f"**Model** `{html.escape(record.model)}` · **version** `{html.escape(short)}` · "
        f"**Backend** {html.escape(record.backend_kind)} `{html.escape(record.backend_url)}`",
    ]
    metrics = record.metrics
    times = [f"**{name}** {metrics[key]:.2f} s" for key, name in (
        ("predict_time", "Predict time"), ("total_time", "Total time")) if key in metrics]
    if record.cost_usd is not None:
        times.append(f"**Cost** ~${record.cost_usd:.5f} (estimate)")
    if times:
        lines.append(" · ".join(times))
    if record.error:
        lines.append(f"**Error** {html.escape(messages.scrub(record.error))}")
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

    @property
    def outputs(self) -> list[Any]:
        return [self.box, self.hint, self.head, self.images, self.text, self.inputs, self.files,
                self.logs, self.download, self.delete, self.confirm, self.status]


def open_updates(history: RunHistory, detail: Detail, record: RunRecord | None) -> dict[Any, Any]:
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
        detail.head: details_markdown(record),
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


def build(ctx: AppContext) -> None:
    history: RunHistory | None = getattr(ctx.service, "history", None)
    if history is None:
        gr.Markdown("The history is off for this playground.", elem_id=f"{TAB}-off")
        return
    owner_state = ctx.owner_state
    widgets.intro("Every run from every tab, newest first. Open one to see everything about it, "
                  "run it again, or download it.")
    with gr.Row(equal_height=True):
        search = gr.Textbox(placeholder="Search prompts, answers and transcripts",
                            show_label=False, elem_id=f"{TAB}-search", scale=4, container=False)
        task = gr.Dropdown([("All tasks", ALL)] + [(v, k) for k, v in TASK_LABELS.items()],
                           value=ALL, show_label=False, elem_id=f"{TAB}-task", scale=2,
                           container=False)
        model = gr.Dropdown([("All models", ALL)], value=ALL, show_label=False,
                            elem_id=f"{TAB}-model", scale=2, container=False,
                            allow_custom_value=False)
        status = gr.Dropdown(STATUSES, value=ALL, show_label=False, elem_id=f"{TAB}-status",
                             scale=2, container=False)
        when = gr.Dropdown(list(WHEN), value="Any time", show_label=False,
                           elem_id=f"{TAB}-when", scale=2, container=False)
        refresh = gr.Button("Refresh", elem_id=f"{TAB}-refresh", scale=1, min_width=90)
    view = gr.State(View())
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=360):
            summary = gr.Markdown("", elem_id=f"{TAB}-summary", elem_classes=["run-details"])
            runs = gr.Dataset(components=[gr.Image(type="filepath", visible=False),
                                          gr.HTML(visible=False), gr.Textbox(visible=False)],
                              samples=[], headers=["", "Run", "When"], type="index",
                              layout="table", samples_per_page=PAGE_SIZE,
                              elem_id=f"{TAB}-list", label="Runs")
            with gr.Row():
                newer = gr.Button("← Newer", elem_id=f"{TAB}-newer", size="sm")
                older = gr.Button("Older →", elem_id=f"{TAB}-older", size="sm")
        with gr.Column(scale=6, min_width=400):
            hint = gr.Markdown("Open a run from the list to see everything about it.",
                               elem_id=f"{TAB}-hint", elem_classes=["run-details"])
            with gr.Column(visible=False, elem_id=f"{TAB}-detail") as box:
                head = gr.Markdown(elem_id=f"{TAB}-detail-head")
                images = gr.Gallery(label="Outputs", columns=3, height=300,
                                    object_fit="contain", elem_id=f"{TAB}-images",
                                    interactive=False)
                text = gr.Textbox(label="Output", lines=6, max_lines=16, interactive=False,
                                  elem_id=f"{TAB}-text", buttons=["copy"])
                with gr.Row():
                    again = gr.Button("Run again", variant="primary", elem_id=f"{TAB}-again",
                                      size="sm")
                    open_tab = gr.Button("Open in its tab", elem_id=f"{TAB}-open-tab",
                                         size="sm")
                    download = gr.DownloadButton("Download", elem_id=f"{TAB}-download",
                                                 size="sm")
                    delete = gr.Button("Delete", variant="stop", elem_id=f"{TAB}-delete",
                                       size="sm")
                    confirm = gr.Button("Yes, delete it", variant="stop", visible=False,
                                        elem_id=f"{TAB}-confirm-delete", size="sm")
                note = gr.Markdown("", elem_id=f"{TAB}-detail-status",
                                   elem_classes=["run-status"])
                inputs = gr.JSON(label="Inputs", elem_id=f"{TAB}-inputs")
                files = gr.File(label="Files", file_count="multiple", interactive=False,
                                elem_id=f"{TAB}-files")
                with gr.Accordion("Logs", open=False):
                    logs = gr.Textbox(show_label=False, lines=6, max_lines=14,
                                      interactive=False, elem_id=f"{TAB}-logs")
    detail = Detail(box, hint, head, images, text, inputs, files, logs, download, delete,
                    confirm, note)
    filter_inputs = [search, task, model, status, when]

    def show(owner: Any, view_value: View, search_text: str, task_v: str, model_v: str,
             status_v: str, when_v: str, move: int) -> tuple[Any, ...]:
        filters = filters_of(search_text, task_v, model_v, status_v, when_v)
        rows, said, new = list_runs(history, owner, view_value, filters, move)
        models = [("All models", ALL)] + [(m, m) for m in history.choices(owner, "model")]
        return (gr.Dataset(samples=rows), said, new,
                gr.Button(interactive=len(new.cursors) > 1),
                gr.Button(interactive=new.next_cursor is not None),
                gr.Dropdown(choices=models))

    listing = [runs, summary, view, newer, older, model]
    # on page load, and when the browser's owner id arrives from its storage
    gr.on(None, lambda o: show(o, View(), "", ALL, ALL, ALL, "Any time", 0),
          inputs=[owner_state], outputs=listing, show_progress="hidden",
          api_visibility="private")
    for trigger, move in ((refresh.click, 0), (newer.click, -1), (older.click, 1)):
        trigger(lambda o, v, *f, _m=move: show(o, v, *f, _m),
                inputs=[owner_state, view, *filter_inputs], outputs=listing,
                show_progress="hidden", api_visibility="private")
    gr.on([search.submit, task.change, model.change, status.change, when.change],
          lambda o, v, *f: show(o, v, *f, 0), inputs=[owner_state, view, *filter_inputs],
          outputs=listing, show_progress="hidden", api_visibility="private")

    def open_run(index: int | None, owner: Any, view_value: View) -> dict[Any, Any]:
        run_id = view_value.ids[index] if isinstance(index, int) and \
            0 <= index < len(view_value.ids) else None
        record = history.get(owner, run_id) if run_id else None
        view_value.opened = record.id if record else None
        out = open_updates(history, detail, record)
        out[view] = view_value
        return out

    runs.click(open_run, inputs=[runs, owner_state, view], outputs=[*detail.outputs, view],
               show_progress="hidden", api_visibility="private")
    download.click(lambda o, v: bundle(history, o, v.opened), inputs=[owner_state, view],
                   outputs=[download], api_visibility="private")
    delete.click(lambda: (gr.Button(visible=False), gr.Button(visible=True)),
                 outputs=[delete, confirm], api_visibility="private", queue=False)

    def really_delete(owner: Any, view_value: View, *f: Any) -> tuple[Any, ...]:
        done = history.delete(owner, view_value.opened)
        said = (f"{pill('ok', 'Deleted')} The run, and {done.files} file(s) no other run uses."
                if done.runs else f"{pill('warn', 'Not deleted')} That run is not in your "
                "history (already deleted?).")
        view_value.opened = None
        dataset, listed, new, *rest = show(owner, view_value, *f, 0)
        return (dataset, listed, new, *rest, gr.Column(visible=False),
                gr.Markdown(said, visible=True), gr.Button(visible=True),
                gr.Button(visible=False))

    confirm.click(really_delete, inputs=[owner_state, view, *filter_inputs],
                  outputs=[*listing, box, hint, delete, confirm], api_visibility="private")


if __name__ == "__main__":
    from playground.ui.app import main_for

    main_for(TAB)
