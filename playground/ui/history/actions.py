"""What the History tab does with an opened run besides running it: put it back in its tab,
add it to Compare, show it as code. Plain handlers; `ui/history/tab.py` wires them.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.compare.from_history import NoComparison, entry_from_run
from playground.compare.prompt_set import as_line
from playground.run_code import RunCall, call_for_run
from playground.service import RunHistory, RunRecord
from playground.ui.compare.add import add_entry
from playground.ui.context import AppContext
from playground.ui.history import view as hv
from playground.ui.kit.messages import Message
from playground.ui.kit.runner import pill
from playground.ui.kit.status_text import status_for
from playground.ui.parts import PageParts

# where a chat's message starts inside its rendered prompt (each chat format's last marker)
_MESSAGE_AFTER = ("<|end_header_id|>\n\n", "<|im_start|>user\n", "[INST] ", "User: ")


def chat_message(prompt: Any, snippet: str) -> str:
    """A chat run's message in full: its prompt as sent when that is the message alone (one
    turn), else the part after the last turn marker that the snippet begins; the snippet (the
    first 200 characters) when neither fits."""
    def shown(text: str) -> str:
        return " ".join(text.split())[:len(snippet)]

    if not isinstance(prompt, str) or not snippet:
        return snippet
    candidates = [prompt, *(prompt.rsplit(m, 1)[1] for m in _MESSAGE_AFTER if m in prompt)]
    return next((c for c in candidates if shown(c) == snippet), snippet)


def values_of(history: RunHistory, record: RunRecord) -> dict[str, Any]:
    """A record's inputs as a tab's form takes them (a chat's message from its prompt)."""
    values = history.input_values(record)
    if record.task == "chat":
        values["message"] = chat_message(values.get("prompt"), record.snippet)
    return values


def open_in_tab(ctx: AppContext, parts: PageParts, history: RunHistory,
                record: RunRecord | None, status: gr.Markdown) -> dict[Any, Any]:
    """Switch to the run's tab with its inputs filled in, ready to tweak. Values only (no
    component updates): a chat's message box keeps the Send and Stop buttons Chat gives it."""
    if record is None:
        return {status: status_for(Message(
            "Not found", "That run is not in your history any more."))}
    if record.tab not in ctx.reopen.forms:
        return {status: status_for(Message(
            "No tab for it", f"Runs from the {record.tab} tab cannot be put back in a tab; "
            "use Run again.", "warning"))}
    out = ctx.reopen.fill(record.tab, values_of(history, record))
    out[parts.tabs] = gr.Tabs(selected=record.tab)
    out[status] = ""
    return out


def add_to_compare(ctx: AppContext, parts: PageParts, history: RunHistory,
                   record: RunRecord | None, status: gr.Markdown,
                   form: list[Any]) -> dict[Any, Any]:
    """The run as an entry of the Compare tab (model, pinned version, settings, shared inputs,
    its saved output in its pane), then the Compare tab."""
    add = parts.compare_add
    if record is None:
        return {status: status_for(Message(
            "Not found", "That run is not in your history any more."))}
    if add is None:
        return {status: status_for(Message(
            "No Compare tab", "This playground has no Compare tab.", "warning"))}
    text = hv.output_text(record)
    try:
        run = entry_from_run(record.task, record.model, record.version,
                             history.input_values(record),
                             text_output=bool(text) and not record.output_files(),
                             tasks=ctx.tasks)
    except NoComparison as exc:
        return {status: status_for(Message("Not added", str(exc), "warning"))}
    images = [p for p in history.output_paths(record) if p.suffix.lower() in hv.IMAGE_SUFFIXES]
    added = add_entry(add, run, str(images[0]) if images else None, text, form)
    if added.slot is None:
        return {status: status_for(Message("Not added", added.said, "warning"))}
    out = dict(added.updates)
    out[parts.tabs] = gr.Tabs(selected="compare")
    out[status] = f"{pill('ok', 'Added')} to Compare as Entry {added.slot + 1}."
    return out


def add_to_set(history: RunHistory, record: RunRecord | None,
               lines: str | None) -> tuple[Any, str]:
    """(Compare's prompt set with the run's inputs as one more line, what happened)."""
    if record is None:
        return gr.skip(), status_for(Message("Not found",
                                             "That run is not in your history any more."))
    line = as_line(history.input_values(record))
    if line is None:
        return gr.skip(), status_for(Message(
            "Not added", "This run has no text or number inputs to put in a prompt set "
            "(its inputs are files).", "warning"))
    kept = [x for x in str(lines or "").splitlines() if x.strip()]
    return ("\n".join([*kept, line]),
            f"{pill('ok', 'Added')} to Compare's prompt set, as input {len(kept) + 1} "
            "(under *Prompt set* on the Compare tab).")


def code_of(ctx: AppContext, history: RunHistory, record: RunRecord) -> RunCall | None:
    """The run as code: its model, version and inputs (files as their names, secrets and the
    token read from the environment), on the backend it ran on."""
    values = history.input_values(record)
    secrets = [k for k, v in values.items() if isinstance(v, dict) and "$secret" in v]
    here = record.backend_kind == "local" and ctx.backend.is_local  # the engine may have moved
    return call_for_run(record.model, record.version, values, history.local_output(record),
                        history.output_paths(record),
                        base_url=ctx.backend.url if here else record.backend_url,
                        secrets=secrets, needs_token=not here)
