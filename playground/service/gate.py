"""The gate every run passes in demo mode (`playground --demo`): the host's limits, enforced here
on the server, never only in the page.

A run asks `Gate.enter(...)` before anything is sent. It is refused (`RunRefused`, in plain
words with how long to wait, costing nothing) when its visitor has had their runs this hour
(counted by the server-issued owner id and, as a backstop, by client address), when the room
is full, the spend cap is reached or the model is not on show; else it waits in one line,
told its place ("You are 3rd in line, about 20 s") until a slot is free (no more than
`concurrent_runs` at once, `concurrent_runs_per_visitor` each), and holds the slot until the
run ends (`Slot.finished`). Canceling the waiting task leaves the line. Answers from the history
never reach the gate (the service answers them first), so they never count.

Waiters poll (every `POLL` s) under a threading lock rather than awaiting asyncio events: runs
come from several event loops (the page's, Compare's threads) and the position line is redrawn
each second anyway.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from playground.demo import Limits, Show
from playground.results import RunUpdate

from .errors import RunRefused
from .reporting import OnUpdate

POLL = 0.25
HOUR = 3600.0
SEEN_FOR = 600.0  # a visitor "here now" was seen in the last ten minutes
TYPICAL_RUN = 10.0  # seconds, before any run has finished
Estimate = Callable[[str, dict[str, float]], float | None]  # (model, metrics) -> USD or None


@dataclass(frozen=True)
class Visitor:
    owner: str  # the browser's owner id (its cookie), or its page session's
    address: str = ""  # the client's address, the backstop when cookies are cleared


@dataclass(frozen=True)
class GateStats:
    """What the host's view shows, at one moment."""

    visitors_now: int
    runs_last_hour: int
    running: int
    waiting: int
    spent_usd: float
    busiest: list[tuple[str, int]]
    paused: bool
    limits: Limits


@dataclass(eq=False)
class _Ticket:
    """One run's place. Compared by identity: two runs of one visitor in one tick of the clock
    are equal field by field, and the line's `remove` would take the other's place."""

    visitor: Visitor
    model: str
    joined: float  # the gate's clock: its place in the hourly counts


@dataclass
class Slot:
    """A run's place on the backend, held until `finished`."""

    gate: Gate
    ticket: _Ticket
    owner_token: bool  # runs on the host's own token: its spend counts
    started: float = field(default_factory=time.monotonic)
    max_seconds: float | None = None  # the demo's per-run limit, None: none

    def finished(self, model: str | None, metrics: dict[str, float] | None) -> None:
        self.gate._release(self, model, metrics or {})

    def abandon(self) -> None:
        """The run ended with no result (Stop, the time limit, a lost backend): its slot is free
        again. Replicate bills a canceled prediction's time too, so the time it held the slot
        counts as its predict time (a little over, never under, for the cap)."""
        self.gate._release(self, None, {"predict_time": time.monotonic() - self.started})


class Gate:
    def __init__(self, limits: Limits, *, show: Show | None = None,
                 estimate: Estimate | None = None,
                 priced: Callable[[str], bool] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.limits = limits
        self.show = show or Show()
        self.paused = False
        self._estimate = estimate
        self._priced = priced or (lambda model: estimate is not None)
        self._clock = clock
        self._lock = threading.Lock()
        self._line: list[_Ticket] = []
        self._running: list[_Ticket] = []
        self._by_visitor: dict[str, deque[float]] = {}  # owner -> start times this hour
        self._by_address: dict[str, deque[float]] = {}
        self._runs: deque[tuple[float, str]] = deque()  # (start, model), the last hour
        self._seen: dict[str, float] = {}
        self._durations: deque[float] = deque(maxlen=20)
        self.spent_usd = 0.0

    # --- what the page and the host see --------------------------------------------------

    def saw(self, owner: str) -> None:
        """A visitor opened or used the page."""
        with self._lock:
            self._seen[owner] = self._clock()
            if len(self._seen) > 50_000:  # forget the oldest half
                for key in sorted(self._seen, key=self._seen.__getitem__)[:25_000]:
                    del self._seen[key]

    def stats(self) -> GateStats:
        now = self._clock()
        with self._lock:
            self._forget_before(now - HOUR)
            busiest = Counter(model for _, model in self._runs).most_common(5)
            return GateStats(
                visitors_now=sum(1 for t in self._seen.values() if t >= now - SEEN_FOR),
                runs_last_hour=len(self._runs), running=len(self._running),
                waiting=len(self._line), spent_usd=self.spent_usd, busiest=busiest,
                paused=self.paused, limits=self.limits)

    def set_limits(self, limits: Limits) -> None:
        with self._lock:
            self.limits = limits

    def pause(self, paused: bool) -> None:
        with self._lock:
            self.paused = paused

    # --- a run -----------------------------------------------------------------------------

    async def enter(self, visitor: Visitor, model: str, *, owner_token: bool,
                    any_model: bool = False, on_update: OnUpdate | None = None) -> Slot:
        """A slot for one run of `model`, once it is this run's turn; `RunRefused` when the
        limits refuse it. `any_model`: a model the visitor chose (the Models tab, Compare),
        which must be one the demo shows; a tab's own preset always may run. Cancel the
        calling task to leave the line."""
        ticket = self._join(visitor, model, owner_token, any_model)
        said = ""
        try:
            while True:
                with self._lock:
                    if self._admit(ticket):
                        break
                    place = self._place(ticket)
                    paused = self.paused
                text = self._waiting_text(place, paused)
                if on_update is not None and text != said:
                    said = text
                    on_update(RunUpdate("", "queued", notice=text))
                await asyncio.sleep(POLL)
        except BaseException:
            with self._lock:
                if ticket in self._line:
                    self._line.remove(ticket)
                    self._uncount(ticket)
            raise
        seconds = self.limits.max_run_seconds
        return Slot(self, ticket, owner_token, max_seconds=seconds or None)

    def _join(self, visitor: Visitor, model: str, owner_token: bool,
              any_model: bool) -> _Ticket:
        now = self._clock()
        limits = self.limits
        if any_model and not self.show.allows(model):
            raise RunRefused("Not in this demo",
                             f"This demo runs only these models: {', '.join(self.show.models)}."
                             " Pick one of them.")
        with self._lock:
            self._forget_before(now - HOUR)
            self._seen[visitor.owner] = now
            if self.paused:
                raise RunRefused("Paused", "The host has paused the demo for a moment. "
                                 "Try again in a minute.", 60.0)
            if owner_token and limits.spend_cap_usd > 0:
                if not self._priced(model):
                    raise RunRefused("Not in this demo",
                                     f"{model} has no known price, so this demo's spending cap "
                                     "could not count it. Pick another model, or use your own "
                                     "Replicate token.")
                if self.spent_usd >= limits.spend_cap_usd:
                    raise RunRefused("Budget used up",
                                     f"This demo has used its budget (about "
                                     f"${self.spent_usd:.2f} of ${limits.spend_cap_usd:.2f}), "
                                     "so runs on the host's account have stopped. Paste your "
                                     "own Replicate API token to keep going.")
            if limits.max_waiting and len(self._line) >= limits.max_waiting:
                raise RunRefused("The room is full",
                                 f"{len(self._line)} runs are already waiting. Try again in a "
                                 "minute.", 60.0)
            mine = self._by_visitor.setdefault(visitor.owner, deque())
            if limits.runs_per_visitor_per_hour and len(mine) >= \
                    limits.runs_per_visitor_per_hour:
                raise self._hourly(limits.runs_per_visitor_per_hour, mine[0] + HOUR - now)
            theirs = self._by_address.setdefault(visitor.address, deque())
            per_address = limits.address_runs_per_hour
            if visitor.address and per_address and len(theirs) >= per_address:
                raise self._hourly(limits.runs_per_visitor_per_hour or per_address,
                                   theirs[0] + HOUR - now)
            mine.append(now)
            if visitor.address:
                theirs.append(now)
            self._runs.append((now, model.partition(":")[0]))
            ticket = _Ticket(visitor, model, now)
            self._line.append(ticket)
            return ticket

    @staticmethod
    def _hourly(limit: int, wait: float) -> RunRefused:
        runs = "run" if limit == 1 else "runs"
        return RunRefused("Limit reached",
                          f"This demo allows {limit} {runs} per visitor per hour, and you have "
                          f"had them. Try again in {_minutes(wait)}.", max(wait, 1.0))

    def _admit(self, ticket: _Ticket) -> bool:
        """Under the lock: whether `ticket` may start now (first come, first served, except
        that a visitor at their own limit does not hold up the people behind them)."""
        if self.paused:
            return False
        limits = self.limits
        if limits.concurrent_runs and len(self._running) >= limits.concurrent_runs:
            return False
        for waiting in self._line:
            if self._visitor_full(waiting.visitor):
                continue
            if waiting is not ticket:
                return False  # someone before it may go first
            break
        else:
            return False
        self._line.remove(ticket)
        self._running.append(ticket)
        return True

    def _visitor_full(self, visitor: Visitor) -> bool:
        most = self.limits.concurrent_runs_per_visitor
        return bool(most) and sum(t.visitor.owner == visitor.owner
                                  for t in self._running) >= most

    def _place(self, ticket: _Ticket) -> int:
        return self._line.index(ticket) + 1 if ticket in self._line else 1

    def _waiting_text(self, place: int, paused: bool) -> str:
        if paused:
            return "The host has paused the demo for a moment: your run waits its turn."
        slots = self.limits.concurrent_runs or 1
        typical = sorted(self._durations)[len(self._durations) // 2] if self._durations \
            else TYPICAL_RUN
        wait = math.ceil(place / slots) * typical
        return f"You are {_ordinal(place)} in line, about {_seconds(wait)}."

    def _release(self, slot: Slot, model: str | None, metrics: dict[str, float] | None) -> None:
        with self._lock:
            if slot.ticket in self._running:
                self._running.remove(slot.ticket)
            self._durations.append(time.monotonic() - slot.started)
            if metrics is not None and slot.owner_token and self._estimate is not None:
                usd = self._estimate(model or slot.ticket.model, metrics)
                if usd is not None and math.isfinite(usd) and usd > 0:
                    self.spent_usd += usd

    def _uncount(self, ticket: _Ticket) -> None:
        """A run that left the line before it started: it did not count."""
        for times in (self._by_visitor.get(ticket.visitor.owner),
                      self._by_address.get(ticket.visitor.address)):
            if times and ticket.joined in times:
                times.remove(ticket.joined)
        entry = (ticket.joined, ticket.model.partition(":")[0])
        if entry in self._runs:
            self._runs.remove(entry)

    def _forget_before(self, cutoff: float) -> None:
        for table in (self._by_visitor, self._by_address):
            for key in list(table):
                times = table[key]
                while times and times[0] < cutoff:
                    times.popleft()
                if not times:
                    del table[key]
        while self._runs and self._runs[0][0] < cutoff:
            self._runs.popleft()


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    return f"{round(seconds / 60)} min"


def _minutes(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
