"""The model-runner interface that every engine model implements.

A model declares its typed inputs as a pydantic model (the engine derives the version's
`openapi_schema` from it), says whether its output streams, and implements `load` and `predict`.
The engine owns everything around a prediction: validation, resolving file inputs to local paths,
queues, cancellation, logs, persistence and turning output paths into URLs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel


class Canceled(Exception):
    """Raised inside `predict` (by `PredictContext.check`) when the prediction is canceled."""


class ModelUnavailable(Exception):
    """The model cannot run here; `str(exc)` says why and how to fix it."""


class PredictContext:
    """What the engine hands to `predict`: logging, cancellation and a scratch directory."""

    def __init__(self, workdir: Path, log: Callable[[str], None],
                 cancel_event: threading.Event | None = None) -> None:
        self._workdir = workdir
        self.log = log
        self.cancel_event = cancel_event or threading.Event()
        self.workdir_made = False
        # Extra numbers for the prediction's `metrics`, as Replicate reports them (e.g. a
        # language model's input_token_count and output_token_count).
        self.metrics: dict[str, float] = {}

    @property
    def workdir(self) -> Path:
        """This prediction's scratch directory, made on first use (most predictions need
        none, and a mkdir/rmdir pair costs more than a no-op prediction)."""
        if not self.workdir_made:
            self._workdir.mkdir(parents=True, exist_ok=True)
            self.workdir_made = True
        return self._workdir

    def check(self) -> None:
        """Call between tokens, tiles or segments: stops the work once canceled."""
        if self.cancel_event.is_set():
            raise Canceled()

    def progress(self, done: int, total: int, desc: str = "") -> None:
        """Log a tqdm-style line (`42%|####      | 21/50`) that clients parse as progress."""
        pct = int(100 * done / total) if total else 100
        bar = "#" * (pct // 10) + " " * (10 - pct // 10)
        prefix = f"{desc}: " if desc else ""
        self.log(f"{prefix}{pct:3d}%|{bar}| {done}/{total}")


class EngineModel:
    """Base class for a local model. Subclasses set the class attributes and implement methods."""

    owner: ClassVar[str] = "local"
    name: ClassVar[str]
    description: ClassVar[str]
    # What a page calls it, and the one thing it cannot do that a user must know, in plain
    # words (listed under "playground" in the model JSON; the page keeps no copy).
    title: ClassVar[str] = ""
    caveat: ClassVar[str] = ""
    stands_in_for: ClassVar[str | None] = None  # e.g. "meta/meta-llama-3.1-405b-instruct"
    Input: ClassVar[type[BaseModel]]
    # JSON schema of the output, e.g. {"type": "string", "format": "uri"}; for streamed text:
    # {"type": "array", "items": {"type": "string"}, "x-cog-array-type": "iterator",
    #  "x-cog-array-display": "concatenate"}
    output_schema: ClassVar[dict[str, Any]]
    streams: ClassVar[bool] = False
    concurrency: ClassVar[int] = 1  # CPU-bound models run one at a time
    hardware: ClassVar[str] = "cpu"
    # A language model's context window in tokens (prompt and answer together), when it has
    # one: listed under "playground" in the model JSON, and the size the runtime is given.
    context_tokens: ClassVar[int | None] = None

    @property
    def ref(self) -> str:
        return f"{self.owner}/{self.name}"

    def openapi(self) -> dict[str, Any] | None:
        """A model that has its own `openapi_schema` (a Cog predictor's) returns it; None
        derives it from `Input` and `output_schema`."""
        return None

    def start(self, workdir: Path, on_change: Callable[[], None]) -> None:
        """Called once by the engine as it starts: a model with work of its own in the
        background (a Cog predictor's server) starts it here, in `workdir` (its own folder),
        and calls `on_change` whenever its `openapi()` changed."""

    def close(self) -> None:
        """Called once as the engine stops: stop what `start` started."""

    def availability(self) -> str | None:
        """None when the model can run; otherwise why not and the fix (cheap: no loading)."""
        return None

    def load(self, ctx: PredictContext) -> None:
        """Load weights; called on first use (and again after an `unload`), under the model's
        lock. Log what happens."""

    def unload(self) -> bool:
        """Drop what `load` (and the predictions since) hold, so that it can be freed: called
        under the model's lock when the model has sat unused (never while a prediction runs),
        and followed by `load` before the next prediction. False when it cannot be done now
        (it is tried again later). A model that holds nothing needs no override."""
        return True

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Any | Iterator[Any]:
        """Run one prediction. File inputs arrive as local `Path`s. Return the output, where
        `Path`s are files the engine serves; a streaming model yields its output pieces."""
        raise NotImplementedError
