"""The small records a session holds beside its runs: votes (its own, and a room's), blind
rounds, a prompt set's inputs per round, and an entry's summary."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from .strict import STRICT, Cell, Count, FileNames, JsonObject, Short

Verdict = Literal["better", "worse", "tie"]


class Vote(BaseModel):
    model_config = STRICT
    round: Count
    entry: Cell
    verdict: Verdict
    blind: bool = False  # cast before the round's models were shown (blind.py)


class RoomVote(BaseModel):
    """A vote from a shared session's room (`compare.room`): one browser, one output, once."""

    model_config = STRICT
    round: Count
    entry: Cell
    verdict: Verdict
    voter: Short  # an opaque id (ballots.voter_id), never the browser's own


class RoundInput(BaseModel):
    """A prompt set's input for one round: joins (and wins over) the shared inputs; its files
    (from a zip) are kept by the app and named as the session's own files are."""

    model_config = STRICT
    round: Count
    inputs: JsonObject
    files: FileNames = Field(default_factory=dict)


class BlindRound(BaseModel):
    """A blind round: pane p shows entry `order[p]`, named by a letter until `revealed`."""

    model_config = STRICT
    round: Count
    order: Annotated[list[Cell], Field(max_length=10)]
    revealed: bool = False


class EntrySummary(BaseModel):
    entry: int
    label: str
    runs: int
    succeeded: int
    wins: int  # "better" votes
    losses: int  # "worse" votes
    ties: int
    mean_predict_time: float | None
    mean_total_time: float | None
    mean_cost_usd: float | None
