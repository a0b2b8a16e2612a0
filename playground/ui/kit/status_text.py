"""The status line's words while a run is under way, and its coloured labels."""

from __future__ import annotations

import html

from playground.results import about
from playground.ui.kit import messages

_STATUS_TEXT = {
    None: "Sending the request…",
    "sending": "Sending the request…",
    "uploading": "Uploading your file…",
    "queued": "Queued: waiting for the model…",
    "starting": "Starting: the model is loading…",
    "processing": "Processing…",
    "succeeded": "Saving the output…",
    "failed": "Finishing…",
    "canceled": "Stopping…",
}


def status_line(status: str | None, elapsed: float, fraction: float | None,
                logs: str | None = None) -> str:
    text = _STATUS_TEXT.get(status, f"{(status or 'working').capitalize()}…")
    if status in ("starting", "processing") and _loading(logs):
        text = "Loading the model…"  # the local engine's first run, or after it sat unused
    elif fraction is not None and status == "processing":
        text = f"Processing {fraction:.0%}"
        if elapsed >= 10 and 0.05 <= fraction < 1:  # a long run: say how long it has to go
            text += f", {about(elapsed * (1 - fraction) / fraction)} left"
    return f"{pill('run', text)} <span class='elapsed'>{elapsed:.0f} s</span>"


def _loading(logs: str | None) -> bool:
    """The run's last log line says a model is loading ("loading the model", "loading
    Whisper tiny.en (int8) from ...": the local engine's words)."""
    if not logs:
        return False
    last = logs.rstrip("\n").rpartition("\n")[2]
    return last.startswith("loading ")


def not_saved(count: int) -> str:
    """A success's word on outputs that were not saved (a URL inside this server's network, a
    file gone or too large): the status line says so, the run's Details say which and why."""
    if not count:
        return ""
    which = "1 output file was" if count == 1 else f"{count} output files were"
    return f" {pill('warn', 'Not saved')} {which} not downloaded: see Details for why."


def pill(kind: str, text: str) -> str:
    """A coloured label (CSS in shell.py): no emoji, which some presenters' fonts lack."""
    return f"<span class='pill {kind}'>{html.escape(text)}</span>"


def status_for(message: messages.Message) -> str:
    """The status line for an error, a warning or a cancel."""
    kind = {"error": "err", "warning": "warn", "canceled": "stop"}[message.kind]
    return f"{pill(kind, message.title)} {message.text}"


def no_output() -> str:
    return status_for(messages.Message("No result", "The model finished without an output."))
