"""What a run reports: updates while it runs, and one RunResult at the end."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROGRESS = re.compile(r"(\d{1,3})%\|[^|\n]*\|\s*(\d+)/(\d+)")


def parse_progress(logs: str | None) -> float | None:
    """The fraction done from the last tqdm-style line (`42%|####      | 21/50`), if any."""
    if not logs:
        return None
    last = None
    for last in PROGRESS.finditer(logs):  # noqa: B007 - only the last one matters
        pass
    if last is None:
        return None
    done, total = int(last.group(2)), int(last.group(3))
    fraction = done / total if total else int(last.group(1)) / 100
    return max(0.0, min(1.0, fraction))


@dataclass
class RunUpdate:
    """Handed to `on_update` every time a running prediction is polled."""

    prediction_id: str
    status: str  # starting | processing | succeeded | failed | canceled
    logs: str = ""
    progress: float | None = None  # 0..1 from the logs' last progress bar, None if none yet
    elapsed: float = 0.0  # seconds since we sent the request
    notice: str | None = None  # e.g. "Rate limited (429): retrying in 8 s"


@dataclass(frozen=True)
class Reused:
    """Where a result answered from the history comes from: no backend call was made."""

    run_id: str  # the saved run in the history
    started_at: float  # when that run was made (epoch seconds)


@dataclass
class RunResult:
    """One finished (or failed, or canceled) prediction, with its outputs saved locally.

    Failed and canceled predictions come back as results (their logs matter); errors talking
    to the API are raised instead. `raise_for_status()` turns a failure into an exception.
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
    prediction: Any = None  # the client's final Prediction object
    reused: Reused | None = None  # set when an identical earlier run answered (not run again)

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

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
            head += f" {'in' if self.ok else 'after'} {took:.1f} s"
        predict = self.metrics.get("predict_time")
        if predict is not None:
            head += f" (predict {float(predict):.1f} s)"
        parts = [head, self.model]
        if self.error:
            parts.append(str(self.error).strip().splitlines()[0][:200])
        if self.output_problems:
            parts.append(f"{len(self.output_problems)} output(s) not saved")
        return " · ".join(parts)

    def raise_for_status(self) -> RunResult:
        """Raises the client's PredictionFailed / PredictionCanceled unless it succeeded."""
        from playground.replicate import errors
        from playground.replicate.types import Prediction

        if self.ok:
            return self
        prediction = self.prediction if isinstance(self.prediction, Prediction) else Prediction(
            id=self.prediction_id, status=self.status, error=self.error, logs=self.logs)
        if self.status == "canceled":
            raise errors.PredictionCanceled(prediction)
        raise errors.PredictionFailed(prediction)


@dataclass
class ChatUpdate:
    """One step of a streamed chat answer; the last one has `done=True` and the RunResult."""

    text_so_far: str
    delta: str = ""
    prediction_id: str | None = None
    done: bool = False
    result: RunResult | None = None
    status: str | None = None  # the prediction's: starting, then processing once it streams
    logs: str = ""  # the model's logs so far (e.g. loading the model)
    notice: str | None = None  # e.g. "Rate limited (429): retrying in 8 s"
