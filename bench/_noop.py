"""The bench-only no-op model (never in the product's registry)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from playground.engine.models.base import EngineModel, PredictContext


class Noop(EngineModel):
    owner = "bench"
    name = "noop"
    description = "Returns at once."
    output_schema = {"type": "string"}
    concurrency = 4

    class Input(BaseModel):
        prompt: str = ""

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> str:
        return "ok"


def noop(concurrency: int = 4) -> Noop:
    model = Noop()
    model.concurrency = concurrency  # type: ignore[misc]
    return model


class Sink(EngineModel):
    """Takes a file and answers its size: the engine's own cost of a big input, alone."""

    owner = "bench"
    name = "sink"
    description = "Answers the size of its file."
    output_schema = {"type": "integer"}

    class Input(BaseModel):
        file: Path

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> int:
        assert isinstance(inputs, Sink.Input)
        return inputs.file.stat().st_size
