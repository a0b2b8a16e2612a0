"""Secret inputs (`x-cog-secret`, e.g. a Hugging Face token given to a model): sent to the
model, and blanked in everything a run leaves behind (its result, the prediction it keeps, the
hooks such as a history) before any of it exists.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from typing import Any

from playground.replicate.types import Prediction

REDACTED = "••••••••"
# The secret input names of the run in progress in this task (set by run_model/stream_model).
_NAMES: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "secret_inputs", default=frozenset())


@contextlib.contextmanager
def hidden(names: Iterable[str]) -> Iterator[None]:
    mark = _NAMES.set(frozenset(names))
    try:
        yield
    finally:
        _NAMES.reset(mark)


def current() -> frozenset[str]:
    """The secret input names of the run in progress (none outside run_model/stream_model)."""
    return _NAMES.get()


def redacted(inputs: dict[str, Any], prediction: Prediction
             ) -> tuple[dict[str, Any], Prediction]:
    """The inputs and the prediction with this run's secret inputs blanked."""
    names = _NAMES.get()
    if not names:
        return inputs, prediction

    def blank(values: dict[str, Any]) -> dict[str, Any]:
        return {k: REDACTED if k in names else v for k, v in values.items()}

    return blank(inputs), prediction.model_copy(update={"input": blank(prediction.input or {})})
