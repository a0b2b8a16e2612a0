"""What a run reports: `RunUpdate`s while it runs, and one `RunResult` at the end.

Every task reports through these two types, chat included (a streamed piece of text is an
update with `delta` set). No gradio here, and nothing that talks to a server.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playground.replicate.types import Prediction

PROGRESS = re.compile(r"(\d{1,3})%\|[^|\n]*\|\s*(\d+)/(\d+)")
TERMINAL = frozenset({"succeeded", "failed", "canceled"})


def parse_progress(logs: str | None) -> float | None:
    """The fraction done from the last tqdm-style line (`42%|####      | 21/50`), if any."""
    if not logs:
        return None
    last = None
    for last in PROGRESS.finditer(logs[-4000:]):  # noqa: B007 - only the last one matters
        pass
    if last is None:
        return None
    done, total = int(last.group(2)), int(last.group(3))
    fraction = done / total if total else int(last.group(1)) / 100
    return max(0.0, min(1.0, fraction))


def format_seconds(value: Any, digits: int = 1) -> str:
    """`2.94` -> "2.9 s"; anything that is not a number -> "n/a"."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if number != number or number in (float("inf"), float("-inf")):
        return "n/a"
    return f"{number:.{digits}f} s"


def about(seconds: float) -> str:
    """A duration as a person says it, for estimates: "about 10 s", "about 4 min"."""
    if seconds < 55:
        return f"about {max(5, 5 * math.ceil(seconds / 5))} s"
    return f"about {max(1, round(seconds / 60))} min"


@dataclass
class RunUpdate:
    """Handed to `on_update` while a prediction runs: status, logs, progress, streamed text."""

    prediction_id: str
    status: str  # sending | starting | processing | succeeded | failed | canceled | retrying
    logs: str = ""
    progress: float | None = None  # 0..1 from the logs' last progress bar, None if none yet
    elapsed: float = 0.0  # seconds since we sent the request
    notice: str | None = None  # e.g. "Rate limited (429): retrying in 8 s"
    text: str = ""  # streamed runs: the output text so far
    delta: str = ""  # streamed runs: the piece that just arrived


@dataclass(frozen=True)
class Reused:
    """Where a result answered from the history comes from: no backend call was made."""

    run_id: str  # the saved run in the history
    started_at: float  # when that run was made (epoch seconds)


class Failure(StrEnum):
    """A failed prediction, by what the person can do about it (ui/kit/messages.py words each)."""

    UNAVAILABLE = "unavailable"  # the model cannot run on this backend
    CONTEXT_FULL = "context_full"  # the conversation does not fit the model's context
    INTERRUPTED = "interrupted"  # the model's worker stopped midway (partial output kept)
    UNREADABLE_FILE = "unreadable_file"  # the model could not read the file it was given
    OTHER = "other"


# A prediction's error is a string (Replicate has no error codes): how backends word each kind,
# read here once, where the error enters, so the page switches on a Failure.
UNAVAILABLE = re.compile(r"^\S+ is unavailable:\s*")  # the engine's "local/x is unavailable: why"
_CONTEXT_FULL = ("context size", "context length", "context window", "maximum context",
                 "too many tokens", "prompt is too long")  # llama.cpp, vLLM, the cloud's Llama
_UNREADABLE = ("cannot identify image", "not an image", "decode")


def failure_of(error: object) -> Failure:
    """The kind of a failed prediction's `error`."""
    text = str(error or "").strip()
    lowered = text.lower()
    if any(w in lowered for w in _CONTEXT_FULL):
        return Failure.CONTEXT_FULL
    if "restarted" in lowered:  # the engine's "the model's worker restarted"
        return Failure.INTERRUPTED
    if UNAVAILABLE.match(text) or any(w in lowered for w in ("not available", "unavailable",
                                                               "offline")):
        return Failure.UNAVAILABLE
    if any(w in lowered for w in _UNREADABLE):
        return Failure.UNREADABLE_FILE
    return Failure.OTHER


@dataclass
class RunResult:
    """One finished (or failed, or canceled) prediction, with its outputs saved locally.

    Failed and canceled predictions come back as results with that `status` (their `error` and
    `logs` matter); `ok` says whether it succeeded. Errors before or around the prediction
    (the API refused it, the backend is down, a bad upload) are raised instead.
    """

    prediction_id: str
    model: str  # what ran: "owner/name" (or the ref we asked for)
    version: str | None
    input: dict[str, Any]  # as sent, data URIs shortened
    status: str
    output: Any = None  # raw, as the API returned it
    files: list[Path] = field(default_factory=list)  # every output file, saved locally
    local_output: Any = None  # the output with file URLs replaced by their local Paths
    logs: str = ""
    # predict_time and total_time from the server (total_time ours when it gives none), and
    # client_time: measured here, from the request to the saved outputs
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    upload_notes: list[str] = field(default_factory=list)  # one line per uploaded file
    output_problems: list[str] = field(default_factory=list)  # outputs that could not be saved
    # what was changed on the way, in plain words ("2 earlier messages left out to fit ...")
    notes: list[str] = field(default_factory=list)
    prediction: Prediction | None = None  # the client's final Prediction object
    reused: Reused | None = None  # set when an identical earlier run answered (not run again)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    @property
    def canceled(self) -> bool:
        return self.status == "canceled"

    @property
    def failure(self) -> Failure | None:
        """What kind of failure this was (None when it did not fail)."""
        return failure_of(self.error) if self.status == "failed" else None

    @property
    def text(self) -> str:
        """The output as text: a streamed list joined, Whisper's `transcription`, or str()."""
        out = self.output
        if out is None:
            return ""
        if isinstance(out, list) and all(isinstance(x, str) for x in out):
            return "".join(out)
        if isinstance(out, dict):
            for key in ("transcription", "text", "output"):
                if isinstance(out.get(key), str):
                    return out[key]
        return str(out)

    def summary(self) -> str:
        """"succeeded in 3.2 s (predict 2.9 s) · local/real-esrgan"."""
        took = self.metrics.get("client_time")
        head = self.status
        if took is not None:
            head += f" {'in' if self.ok else 'after'} {format_seconds(took)}"
        predict = self.metrics.get("predict_time")
        if predict is not None:
            head += f" (predict {format_seconds(predict)})"
        parts = [head, self.model]
        if self.error:
            parts.append(str(self.error).strip().splitlines()[0][:200])
        if self.output_problems:
            parts.append(f"{len(self.output_problems)} output(s) not saved")
        return " · ".join(parts)
