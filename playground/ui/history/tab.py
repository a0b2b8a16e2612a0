"""History tab: every run, newest first; search, filter, open one, run it again, put it back
in its tab, add it to Compare, see it as code, download or delete it. And the page load that
shows each tab its last run.

The list is one page of runs (keyset paged by the store, so page 400 costs what page 1 does).
Every handler takes the owner from its request (the browser's HttpOnly owner cookie, through
`ctx.owners`), never from a value the page sends: without the shared history a browser reaches
only its own runs, whatever run id it sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from playground.results import RunResult
from playground.service import INTERRUPTED, Caller, OnUpdate, RunHistory, errors, scrub
from playground.ui.context import AppContext
from playground.ui.history import actions as actions
from playground.ui.history import view as hv
from playground.ui.kit import widgets
from playground.ui.kit.code_panel import code_values
from playground.ui.kit.messages import Message
from playground.ui.kit.runner import (
    PROGRESS,
    Run,
    RunPanel,
    bind,
    pill,
    run_panel,
)
from playground.ui.kit.status_text import status_for
from playground.ui.parts import PageParts

TAB = "history"


@dataclass
class HistoryTab:
    """The History tab's components that handlers update."""

    history: RunHistory
    runs: gr.Dataset
    summary: gr.Markdown
    newer: gr.Button
    older: gr.Button
    model: gr.Dropdown
    view: gr.State
    detail: hv.Detail
    again: RunPanel
    parts: PageParts  # the page's tabs and Compare's form (Open in its tab, Add to Compare)

    @property
    def listing(self) -> list[Any]:
        return [self.runs, self.summary, self.view, self.newer, self.older, self.model]


def build(ctx: AppContext, parts: PageParts) -> None:
    history = ctx.service.history
    if history is None:
        gr.Markdown("This playground keeps no history of runs.", elem_id=f"{TAB}-off")
        return
    widgets.intro("Every run from every tab, newest first. Open one to see everything about it, "
                  "run it again, put it back in its tab, add it to Compare, see it as code, or "
                  "download it.")
    with gr.Row(equal_height=True):
        search = gr.Textbox(placeholder="Search prompts, answers and transcripts",
                            show_label=False, elem_id=f"{TAB}-search", scale=4, container=False)
        labels = ctx.tasks.history_labels()
        task = gr.Dropdown([("All tasks", hv.ALL)] + [(v, k) for k, v in labels.items()],
                           value=hv.ALL, show_label=False, elem_id=f"{TAB}-task", scale=2,
                           container=False)
        model = gr.Dropdown([("All models", hv.ALL)], value=hv.ALL, show_label=False,
                            elem_id=f"{TAB}-model", scale=2, container=False)
        status = gr.Dropdown(hv.STATUSES, value=hv.ALL, show_label=False,
                             elem_id=f"{TAB}-filter-status", scale=2, container=False)
        when = gr.Dropdown(list(hv.WHEN), value="Any time", show_label=False,
                           elem_id=f"{TAB}-when", scale=2, container=False)
        refresh = gr.Button("Refresh", elem_id=f"{TAB}-refresh", scale=1, min_width=90)
    view = gr.State(hv.View())
    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=360):
            summary = gr.Markdown("", elem_id=f"{TAB}-summary", elem_classes=["run-details"])
            runs = gr.Dataset(components=[gr.Image(type="filepath", visible=False),
                                          gr.HTML(visible=False), gr.Textbox(visible=False)],
                              samples=[], headers=["", "Run", "When"], type="index",
                              layout="table", samples_per_page=hv.PAGE_SIZE,
                              elem_id=f"{TAB}-list", label="Runs")
            with gr.Row():
                newer = gr.Button("← Newer", elem_id=f"{TAB}-newer", size="sm",
                                  interactive=False)
                older = gr.Button("Older →", elem_id=f"{TAB}-older", size="sm",
                                  interactive=False)
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
                    again_btn = gr.Button("Run again", variant="primary",
                                          elem_id=f"{TAB}-again", size="sm")
                    open_tab = gr.Button("Open in its tab", elem_id=f"{TAB}-open-tab",
                                         size="sm")
                    to_compare = gr.Button("Add to Compare", elem_id=f"{TAB}-add-compare",
                                           size="sm", visible=parts.compare_add is not None)
                    to_set = gr.Button("Add to Compare's prompt set", elem_id=f"{TAB}-add-set",
                                       size="sm", visible=parts.compare_add is not None)
                    code_btn = gr.Button("Code", elem_id=f"{TAB}-code", size="sm")
                    download = gr.DownloadButton("Download", elem_id=f"{TAB}-download",
                                                 size="sm")
                    delete = gr.Button("Delete", variant="stop", elem_id=f"{TAB}-delete",
                                       size="sm")
                    confirm = gr.Button("Yes, delete it", variant="stop", visible=False,
                                        elem_id=f"{TAB}-confirm-delete", size="sm")
                note = gr.Markdown("", elem_id=f"{TAB}-detail-status",
                                   elem_classes=["run-status"])
                again = run_panel(f"{TAB}-again")
                inputs = gr.JSON(label="Inputs", elem_id=f"{TAB}-inputs")
                files = gr.File(label="Files", file_count="multiple", interactive=False,
                                elem_id=f"{TAB}-files")
    # one logs box: the opened run's, then those of its Run again
    detail = hv.Detail(box, hint, head, images, text, inputs, files, again.logs, download,
                       delete, confirm, note, again.details)
    tab = HistoryTab(history, runs, summary, newer, older, model, view, detail, again, parts)
    filters = [search, task, model, status, when]

    # on page load; on every visit to the tab; on filters
    # (one progress target each: why in tests/ui/test_progress_targets.py)
    gr.on(None, bind(first_page, ctx, tab), inputs=[], outputs=tab.listing,
          show_progress="hidden", show_progress_on=tab.listing[:1], api_visibility="private")
    shown = [parts.tab_blocks[TAB].select] if TAB in parts.tab_blocks else []
    gr.on([*shown, refresh.click, search.submit, task.change, model.change, status.change,
           when.change], bind(list_page, ctx, tab, 0), inputs=[view, *filters],
          outputs=tab.listing, show_progress="hidden", show_progress_on=tab.listing[:1],
          api_visibility="private")
    for button, step in ((newer, -1), (older, 1)):
        button.click(bind(list_page, ctx, tab, step), inputs=[view, *filters],
                     outputs=tab.listing, show_progress="hidden",
                     show_progress_on=tab.listing[:1], api_visibility="private")
    assert again.code is not None  # run_panel makes the Code box
    runs.click(bind(open_run, ctx, tab), inputs=[runs, view],
               outputs=[*detail.outputs, again.status, again.details, again.code.state, view],
               show_progress="hidden", api_visibility="private")
    code_btn.click(show_code, outputs=[again.code.box], api_visibility="private", queue=False,
                   show_progress="hidden")
    # Download holds the opened run's zip from the moment it opens (open_run): a click
    # downloads the value the button has, so one set by the click itself came a click late.
    delete.click(ask_delete, outputs=[delete, confirm], api_visibility="private", queue=False)
    confirm.click(bind(delete_run, ctx, tab), inputs=[view, *filters],
                  outputs=[*tab.listing, box, hint, delete, confirm], api_visibility="private")
    # no progress overlay: it would cover every field it fills (Chat's Stop button too)
    open_tab.click(bind(open_in_tab, ctx, tab), inputs=[view],
                   outputs=_open_outputs(ctx, parts, detail), api_visibility="private",
                   show_progress="hidden")
    if parts.compare_add is not None:
        add = parts.compare_add
        to_compare.click(bind(add_to_compare, ctx, tab), inputs=[view, *add.form],
                         outputs=[parts.tabs, *add.outputs, detail.status],
                         api_visibility="private", show_progress="hidden")
        if add.page.set_lines is not None:
            to_set.click(bind(add_to_set, ctx, tab), inputs=[view, add.page.set_lines],
                         outputs=[add.page.set_lines, detail.status],
                         api_visibility="private", show_progress="hidden")
    again_btn.click(bind(run_again, ctx, tab), inputs=[view, ctx.token_state],
                    outputs=_unique([*again.outputs, *detail.outputs, *tab.listing]),
                    show_progress="minimal", api_visibility="private",
                    concurrency_limit=ctx.concurrency(4),
                    concurrency_id=f"{TAB}-again")


def _open_outputs(ctx: AppContext, parts: PageParts, detail: hv.Detail) -> list[Any]:
    return [parts.tabs, *ctx.reopen.inputs(), detail.status]


def _unique(components: list[Any]) -> list[Any]:
    return list({id(c): c for c in components}.values())


def owner_of(ctx: AppContext, request: gr.Request | None) -> str:
    """Whose runs this request may reach: its browser's, by its owner cookie."""
    return ctx.owners.of(request)


def _listing(ctx: AppContext, tab: HistoryTab, owner: str, view: hv.View, search: str,
             task: str, model: str, status: str, when: str, move: int) -> dict[Any, Any]:
    filters = hv.filters_of(search, task, model, status, when)
    rows, said, new = hv.list_runs(tab.history, owner, view, filters, move,
                                   ctx.tasks.history_labels())
    models = [("All models", hv.ALL)] + [(m, m) for m in tab.history.choices(owner, "model")]
    return {tab.runs: gr.Dataset(samples=rows), tab.summary: said, tab.view: new,
            tab.newer: gr.Button(interactive=len(new.cursors) > 1),
            tab.older: gr.Button(interactive=new.next_cursor is not None),
            tab.model: gr.Dropdown(choices=models)}


def first_page(ctx: AppContext, tab: HistoryTab,
               request: gr.Request | None = None) -> dict[Any, Any]:
    return _listing(ctx, tab, owner_of(ctx, request), hv.View(), "", hv.ALL, hv.ALL,
                    hv.ALL, "Any time", 0)


def list_page(ctx: AppContext, tab: HistoryTab, move: int, view: hv.View,
              search: str, task: str, model: str, status: str, when: str,
              request: gr.Request | None = None) -> dict[Any, Any]:
    """The list: from the top (move 0), or the next older (1) or newer (-1) page."""
    return _listing(ctx, tab, owner_of(ctx, request), view, search, task, model, status,
                    when, move)


def open_run(ctx: AppContext, tab: HistoryTab, index: int | None, view: hv.View,
             request: gr.Request | None = None) -> dict[Any, Any]:
    run_id = view.ids[index] if isinstance(index, int) and 0 <= index < len(view.ids) else None
    record = tab.history.get(owner_of(ctx, request), run_id) if run_id else None
    view.opened = record.id if record else None
    out = hv.open_updates(tab.history, tab.detail, record, ctx.tasks.history_labels())
    assert tab.again.code is not None
    code = actions.code_of(ctx, tab.history, record) if record else None
    out.update({tab.again.status: "", tab.again.details: "", tab.view: view,
                tab.again.code.state: code_values(code)})
    if record is not None:
        out[tab.detail.download] = download_of(ctx, tab, view, request)
    return out


def show_code() -> Any:
    return gr.Accordion(open=True)


def download_of(ctx: AppContext, tab: HistoryTab, view: hv.View,
                request: gr.Request | None = None) -> Any:
    """Download as the opened run's zip, so one click gives the run on screen."""
    return gr.DownloadButton(value=hv.bundle(tab.history, owner_of(ctx, request), view.opened),
                             visible=True)


def ask_delete() -> tuple[Any, Any]:
    return gr.Button(visible=False), gr.Button(visible=True)


def delete_run(ctx: AppContext, tab: HistoryTab, view: hv.View, search: str,
               task: str, model: str, status: str, when: str,
               request: gr.Request | None = None) -> dict[Any, Any]:
    """Delete the opened run, and its files unless another run uses them."""
    who = owner_of(ctx, request)
    done = tab.history.delete(who, view.opened)
    said = (f"{pill('ok', 'Deleted')} The run, and {done.files} file(s) no other run uses."
            if done.runs else f"{pill('warn', 'Not deleted')} That run is not in your history "
            "(already deleted?).")
    view.opened = None
    out = _listing(ctx, tab, who, view, search, task, model, status, when, 0)
    out.update({tab.detail.box: gr.Column(visible=False),
                tab.detail.hint: gr.Markdown(said, visible=True),
                tab.detail.delete: gr.Button(visible=True),
                tab.detail.confirm: gr.Button(visible=False)})
    return out


def open_in_tab(ctx: AppContext, tab: HistoryTab, view: hv.View,
                request: gr.Request | None = None) -> dict[Any, Any]:
    """Switch to the run's tab with its inputs filled in, ready to tweak."""
    record = tab.history.get(owner_of(ctx, request), view.opened)
    return actions.open_in_tab(ctx, tab.parts, tab.history, record, tab.detail.status)


def add_to_compare(ctx: AppContext, tab: HistoryTab, view: hv.View,
                   request: gr.Request | None = None, *form: Any) -> dict[Any, Any]:
    """The opened run as an entry of the Compare tab, then that tab. (`request` before the
    form's values: Gradio puts it at its parameter's place among the inputs.)"""
    record = tab.history.get(owner_of(ctx, request), view.opened)
    return actions.add_to_compare(ctx, tab.parts, tab.history, record, tab.detail.status,
                                  list(form))


def add_to_set(ctx: AppContext, tab: HistoryTab, view: hv.View, lines: str | None,
               request: gr.Request | None = None) -> tuple[Any, str]:
    """The opened run's inputs as one more line of Compare's prompt set."""
    record = tab.history.get(owner_of(ctx, request), view.opened)
    return actions.add_to_set(tab.history, record, lines)


async def run_again(ctx: AppContext, tab: HistoryTab, view: hv.View,
                    token: str | None = None, request: gr.Request | None = None,
                    progress: gr.Progress = PROGRESS) -> Any:
    """Run again: the same inputs and seed on the same model version, for real (never
    answered from the history), recorded as a new run of its tab."""
    who = owner_of(ctx, request)
    record = tab.history.get(who, view.opened)
    run = Run(ctx, TAB, request, token, progress, as_tab=record.tab if record else None,
              as_task=record.task if record else None)
    ctx.anyway.ask(run.session, TAB)  # the point is to run it: no answer from the history

    async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
        if record is None:
            raise errors.MissingInput("The run", "it is not in your history any more.")
        values = tab.history.input_values(record)
        hidden = [k for k, v in values.items() if isinstance(v, dict) and "$secret" in v]
        if hidden:
            raise errors.MissingInput(
                f"Its secret inputs ({', '.join(hidden)})",
                "the history never keeps them: open the run in its tab and enter them again.")
        ref = f"{record.model}:{record.version}" if record.version else record.model
        return await ctx.service.run_model(ref, values, token=token, on_update=on_update,
                                           caller=caller)

    async for update in run.execute(call, tab.again):
        yield update
    if run.result is None:
        return
    yield {tab.again.status: run.done_status("Recorded as a new run.")}
    fresh = tab.history.last(who, record.tab) if record else None
    if fresh is not None:
        view.opened = fresh.id
        updates = hv.open_updates(tab.history, tab.detail, fresh, ctx.tasks.history_labels())
        updates[tab.detail.download] = download_of(ctx, tab, view, request)
        updates.update(_listing(ctx, tab, who, view, "", hv.ALL, hv.ALL, hv.ALL, "Any time", 0))
        yield updates


# --- a reload keeps the last run -------------------------------------------------------------

def wire_reload(ctx: AppContext, demo: gr.Blocks) -> None:
    """On page load, each tab shows its last finished run from the history (or says it was
    interrupted). Called by the shell once every tab is built."""
    if ctx.service.history is None:
        return
    outputs = ctx.reopen.components()
    if outputs:
        # It updates every tab: one progress target (why in tests/ui/test_progress_targets.py).
        gr.on(None, bind(last_runs, ctx), inputs=[], outputs=outputs,
              show_progress="hidden", show_progress_on=outputs[:1], api_visibility="private")


def last_runs(ctx: AppContext, request: gr.Request | None = None) -> dict[Any, Any]:
    # every output named (an empty dict reads to Gradio as one value): left as it is
    out: dict[Any, Any] = {component: gr.skip() for component in ctx.reopen.components()}
    history = ctx.service.history
    if history is None:
        return out
    who = owner_of(ctx, request)  # a first visit: nothing to show yet
    for name, form in ctx.reopen.forms.items():
        if form.shows is None or form.status is None:
            continue
        record = history.last(who, name, running=True)
        if record is None:
            continue
        values = actions.values_of(history, record)
        out.update(ctx.reopen.fill(name, values, reload=True))
        if record.ok:
            run = Run.restored(ctx, name, history.result_of(record), record.started_at)
            out.update(form.shows(run, values))
        elif record.error == INTERRUPTED:
            out[form.status] = status_for(Message(
                "Interrupted", "Your last run here was stopped before it finished (Cancel, or "
                "the page was closed or reloaded). Its inputs are back: run it again.",
                "warning"))
        elif record.status in ("starting", "processing"):
            # A reload stops the page's runs (Gradio cancels them), and the stop is still
            # being recorded: said as the interruption it is, not as a result.
            out[form.status] = status_for(Message(
                "Interrupted", "Your last run here was still running when the page was "
                "reloaded or closed, so it was stopped. Its inputs are back: run it again.",
                "warning"))
        elif record.status == "interrupted":  # the app or the backend went away mid-run
            why = (record.error or "").removeprefix("Interrupted: ") or "it was cut off"
            out[form.status] = status_for(Message(
                "Interrupted", f"Your last run here did not finish: {scrub(why)}. Its inputs "
                "are back: run it again.", "warning"))
        else:
            out[form.status] = status_for(Message(
                "Last run failed", scrub(record.error or record.status)))
    return out
