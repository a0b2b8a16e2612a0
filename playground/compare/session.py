"""The comparison session: what is compared, with which inputs, what came back, and the votes.

Everything a session needs to be shared and replayed lives in this one pydantic model, so the
exported JSON is simply `CompareSession.model_dump_json()`. A loaded file is hostile until
checked, so every field is strictly typed and bounded (`strict.py`); the names of files are
checked by `safe_files.py`, and the id is the app's own (a loaded session gets a new one).
"""

from __future__ import annotations

import statistics
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, field_validator, model_validator

from playground.config import data_dir

from .records import BlindRound, EntrySummary, RoomVote, RoundInput, Verdict, Vote
from .safe_files import session_file
from .strict import (
    STRICT,
    Cell,
    Count,
    FileName,
    FileNames,
    JsonObject,
    JsonValue,
    Key,
    Label,
    LongText,
    Money,
    Ref,
    Seed,
    SessionId,
    Short,
)

FORMAT = "replicate-playground/compare-session"
FORMAT_VERSION = 1
MIN_ENTRIES, MAX_ENTRIES = 2, 4

Task = Literal["image", "image-to-image", "chat", "transcription"]
TERMINAL = frozenset({"succeeded", "failed", "canceled"})


def new_session_id() -> str:
    return uuid.uuid4().hex[:12]


class Entry(BaseModel):
    """One contestant: a preset id (`preset:NAME`), a local model or any `owner/name[:version]`."""

    model_config = STRICT
    ref: Ref
    label: Label = ""
    overrides: JsonObject = Field(default_factory=dict)
    # the entry's own file inputs (input name -> file relative to the data dir)
    files: FileNames = Field(default_factory=dict)

    @field_validator("ref")
    @classmethod
    def _ref_shape(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("preset:"):
            if not value[len("preset:"):]:
                raise ValueError("a preset entry needs a preset id, e.g. preset:upscale")
            return value
        name = value.split(":", 1)[0]
        if name.count("/") != 1 or not all(name.split("/")):
            raise ValueError(f"{value!r} is not owner/name[:version] or preset:ID")
        return value

    @property
    def is_preset(self) -> bool:
        return self.ref.startswith("preset:")

    @property
    def title(self) -> str:
        if self.label:
            return self.label
        if not self.overrides:
            return self.ref
        shown = ", ".join(f"{k}={v}" for k, v in self.overrides.items())
        return f"{self.ref} ({shown if len(shown) <= 40 else shown[:39] + '…'})"


# a status as the page and the report word it: Stop cancels, and the person reads "stopped"
SHOWN_STATUS = {"canceled": "stopped"}


class Run(BaseModel):
    """One prediction of one entry in one round (a press of Run), or one cell of a grid."""

    model_config = STRICT
    round: Count
    entry: Cell
    label: Label = ""
    status: Short = "queued"  # queued | starting | processing | succeeded | failed | canceled
    prediction_id: Short | None = None
    model: Ref | None = None
    version: Short | None = None
    input: JsonObject = Field(default_factory=dict)
    metrics: Annotated[dict[Key, float], Field(max_length=100)] = Field(default_factory=dict)
    hardware: Short | None = None
    cost_usd: Money | None = None  # an estimate: predict_time x the hardware's price per second
    text: LongText | None = None  # text output (chat, transcription), as shown
    # output files, relative to the data dir
    files: Annotated[list[FileName], Field(max_length=100)] = Field(default_factory=list)
    logs: LongText = ""
    error: LongText | None = None
    # demo mode's line while it waits ("You are 2nd in line, about 20 s"); never saved
    waiting: LongText | None = Field(default=None, exclude=True)

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    @property
    def shown_status(self) -> str:
        """The status in the words every pane, finding and report line uses."""
        return SHOWN_STATUS.get(self.status, self.status)

    @property
    def pinned_ref(self) -> str | None:
        """`owner/name:version` to run exactly this again (None before the server answered)."""
        if self.model and self.version and self.version != "hidden":
            return f"{self.model}:{self.version}"
        return self.model


Values = Annotated[list[JsonValue], Field(max_length=100)]


class GridRecord(BaseModel):
    """An X/Y grid: one model (or the model axis), two parameters, one composed image."""

    model_config = STRICT
    ref: Ref
    x_name: Short
    x_values: Values
    y_name: Short
    y_values: Values
    image: FileName | None = None  # the composed grid, relative to the data dir
    # one per cell; entry = row * columns + col
    runs: Annotated[list[Run], Field(max_length=1000)] = Field(default_factory=list)


class CompareSession(BaseModel):
    model_config = STRICT
    format: Short = FORMAT
    format_version: Annotated[int, Field(ge=1, le=FORMAT_VERSION)] = FORMAT_VERSION
    # names the export's files: only ever one the app made (see the module docstring)
    id: SessionId = Field(default_factory=new_session_id)
    # an ISO text in the file: read as JSON carries it (the rest is strict)
    created_at: Annotated[datetime, Field(strict=False)] = Field(
        default_factory=lambda: datetime.now(UTC))
    task: Task
    entries: list[Entry]
    inputs: JsonObject = Field(default_factory=dict)  # shared by every entry
    # shared file inputs (input name -> file relative to the data dir), e.g. the image to upscale
    input_files: FileNames = Field(default_factory=dict)
    seed: Seed | None = None  # pinned for every entry whose model takes a seed
    runs: Annotated[list[Run], Field(max_length=10_000)] = Field(default_factory=list)
    votes: Annotated[list[Vote], Field(max_length=10_000)] = Field(default_factory=list)
    grids: Annotated[list[GridRecord], Field(max_length=100)] = Field(default_factory=list)
    blind: bool = False  # new rounds hide which model made which output until the vote
    blind_rounds: Annotated[list[BlindRound], Field(max_length=10_000)] = Field(
        default_factory=list)
    # a prompt set: each input's own values, one round each (prompt_set.py)
    round_inputs: Annotated[list[RoundInput], Field(max_length=10_000)] = Field(
        default_factory=list)
    # the room's votes on this session shared for voting (filled in as it is saved)
    room_votes: Annotated[list[RoomVote], Field(max_length=100_000)] = Field(
        default_factory=list)
    # each entry's secret inputs (x-cog-secret): sent with its runs, never saved or exported
    _secrets: list[dict[str, str]] = PrivateAttr(default_factory=list)
    # the round the panes show when not the latest (a prompt set's input picked to look at)
    _picked: int | None = PrivateAttr(default=None)

    @field_validator("entries")
    @classmethod
    def _entry_count(cls, value: list[Entry]) -> list[Entry]:
        if not MIN_ENTRIES <= len(value) <= MAX_ENTRIES:
            raise ValueError(f"compare {MIN_ENTRIES} to {MAX_ENTRIES} entries, not {len(value)}")
        return value

    @field_validator("format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value != FORMAT:
            raise ValueError(f"not a comparison session file (format {value[:60]!r})")
        return value

    @model_validator(mode="after")
    def _entries_exist(self) -> CompareSession:
        """A run or a vote of an entry the session does not have would be shown nowhere and
        counted wrong."""
        for kind, items in (("runs", self.runs), ("votes", self.votes),
                            ("room_votes", self.room_votes)):
            for i, item in enumerate(items):
                if item.entry >= len(self.entries):
                    raise ValueError(f"{kind}.{i}.entry: there is no entry {item.entry + 1} "
                                     f"(the session has {len(self.entries)})")
        # a blind round's panes are its entries in another order: each once, no other
        for i, blind in enumerate(self.blind_rounds):
            if sorted(blind.order) != list(range(len(self.entries))):
                raise ValueError(f"blind_rounds.{i}.order: not an order of the session's "
                                 f"{len(self.entries)} entries")
        return self

    # -- rounds ------------------------------------------------------------------------------

    @property
    def last_round(self) -> int:
        return max((r.round for r in self.runs), default=0)

    @property
    def shown_round(self) -> int:
        """The round the panes show and a vote goes to: the latest, or the one picked."""
        return self._picked if self._picked is not None else self.last_round

    def pick_round(self, round_no: int | None) -> None:
        self._picked = round_no if round_no is not None and round_no != self.last_round \
            else None

    def round_input(self, round_no: int) -> dict[str, Any]:
        return next((dict(r.inputs) for r in self.round_inputs if r.round == round_no), {})

    def round_runs(self, round_no: int | None = None) -> list[Run]:
        """The runs of one round (default: the latest), in entry order."""
        round_no = self.last_round if round_no is None else round_no
        return sorted((r for r in self.runs if r.round == round_no), key=lambda r: r.entry)

    def entry_parts(self, index: int, base: Path | None = None, round_no: int | None = None
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(shared inputs with files as local Paths and the pinned seed, the entry's overrides);
        with `round_no`, a prompt set's input for that round joins the shared ones.

        Kept apart because shared inputs are cut to what each model accepts, while an override
        is the user's explicit choice and always sent."""
        shared = dict(self.inputs)
        files = dict(self.input_files)
        given = next((r for r in self.round_inputs if r.round == round_no), None)
        if given is not None:  # the round's own values and files win over the shared ones
            shared.update(given.inputs)
            files = {k: v for k, v in files.items() if k not in given.inputs} | given.files
        # these files are read and sent: only the app's own (a loaded session may name anything)
        shared.update({k: session_file(v, base, label=f"the input file {k!r}")
                       for k, v in files.items()})
        if self.seed is not None:
            shared["seed"] = self.seed
        entry = self.entries[index]
        own = dict(entry.overrides)
        own.update({k: session_file(v, base, label=f"entry {index + 1}'s file {k!r}")
                    for k, v in entry.files.items()})
        own.update(self._secrets[index] if index < len(self._secrets) else {})
        return shared, own

    def keep_secrets(self, secrets: list[dict[str, str]]) -> None:
        """Each entry's secret inputs, for this session's runs only (never in its file)."""
        # none at all: nothing kept (a session read back from its file compares equal)
        self._secrets = [dict(s) for s in secrets] if any(secrets) else []

    def secret_names(self, index: int) -> frozenset[str]:
        return frozenset(self._secrets[index]) if index < len(self._secrets) else frozenset()

    def secret_values(self) -> list[str]:
        """Every secret's value: scrubbed from what a run logs or says."""
        return [v for s in self._secrets for v in s.values() if v]

    # -- votes -------------------------------------------------------------------------------

    def vote(self, round_no: int, entry: int, verdict: Verdict | None, *,
             blind: bool = False) -> None:
        """Set (or with None, clear) the verdict on one output; one vote per output."""
        if not 0 <= entry < len(self.entries):
            raise ValueError(f"no entry {entry}")
        self.votes = [v for v in self.votes if (v.round, v.entry) != (round_no, entry)]
        if verdict is not None:
            self.votes.append(Vote(round=round_no, entry=entry, verdict=verdict, blind=blind))

    def verdict(self, round_no: int, entry: int) -> Verdict | None:
        for v in self.votes:
            if (v.round, v.entry) == (round_no, entry):
                return v.verdict
        return None

    def summary(self) -> list[EntrySummary]:
        return [self._summarise(i) for i in range(len(self.entries))]

    def _summarise(self, index: int) -> EntrySummary:
        runs = [r for r in self.runs if r.entry == index]
        ok = [r for r in runs if r.status == "succeeded"]
        verdicts = [v.verdict for v in self.votes if v.entry == index]
        return EntrySummary(
            entry=index,
            label=self.entries[index].title,
            runs=len(runs),
            succeeded=len(ok),
            wins=verdicts.count("better"),
            losses=verdicts.count("worse"),
            ties=verdicts.count("tie"),
            mean_predict_time=_mean(r.metrics.get("predict_time") for r in ok),
            mean_total_time=_mean(r.metrics.get("total_time") for r in ok),
            mean_cost_usd=_mean(r.cost_usd for r in ok),
        )


def relative_name(path: Path | str, base: Path | None = None) -> str:
    """A file's name relative to the data directory (absolute if it lives elsewhere)."""
    path, base = Path(path).resolve(), (base or data_dir()).resolve()
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def resolve_name(name: str, base: Path | None = None) -> Path:
    path = Path(name)
    return path if path.is_absolute() else (base or data_dir()) / path


def _mean(values: Any) -> float | None:
    present = [float(v) for v in values if v is not None]
    return statistics.fmean(present) if present else None


def output_text(output: Any) -> str | None:
    """The text a pane shows for a text-like output (chat tokens, a transcription object)."""
    if output is None:
        return None
    if isinstance(output, str):
        return None if output.startswith(("http://", "https://", "data:")) else output
    if isinstance(output, list) and all(isinstance(x, str) for x in output):
        if output and all(x.startswith(("http://", "https://", "data:")) for x in output):
            return None
        return "".join(output)
    if isinstance(output, dict):
        for key in ("transcription", "text"):
            if isinstance(output.get(key), str):
                return output[key]
    return None


def check_session_files(session: CompareSession, base: Path | None = None) -> None:
    """Raises SessionFileRefused for the first name in `session` that is not one of ours."""
    for label, name in _names(session):
        session_file(name, base, label=label)


def _names(session: CompareSession) -> Iterator[tuple[str, str]]:
    for key, name in session.input_files.items():
        yield f"the input file {key!r}", name
    for given in session.round_inputs:
        for key, name in given.files.items():
            yield f"round {given.round}'s file {key!r}", name
    for i, entry in enumerate(session.entries):
        for key, name in entry.files.items():
            yield f"entry {i + 1}'s file {key!r}", name
    for i, run in enumerate(session.runs):
        for name in run.files:
            yield f"an output of run {i + 1}", name
    for i, grid in enumerate(session.grids):
        for name in [*([grid.image] if grid.image else []),
                     *(n for run in grid.runs for n in run.files)]:
            yield f"a file of grid {i + 1}", name
