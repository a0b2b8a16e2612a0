"""Driving one event through gradio_client and collecting everything it streamed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from gradio_client import Client


@dataclass
class Outcome:
    final: Any = None
    partials: list[Any] = field(default_factory=list)
    error: str | None = None

    def texts(self) -> str:
        """Every string the event produced, joined: what a person could have read."""
        return "\n".join(str(v) for out in self.partials for v in _flat(out)) + (
            f"\n{self.error}" if self.error else "")


def _flat(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return [x for v in value for x in _flat(v)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _flat(v)]
    return [value]


def call(client: Client, api_name: str, *args: Any, token: Any = None) -> Outcome:
    """Run an event to the end; a gr.Error becomes `error` (its message) instead of raising."""
    job = client.submit(*args, token, api_name=api_name)
    outcome = Outcome()
    try:
        outcome.final = job.result()
    except Exception as exc:
        outcome.error = str(exc)
    outcome.partials = list(job.outputs())
    return outcome


def wait_for(predicate: Any, timeout: float = 60.0, every: float = 0.1) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("condition not reached in time")
