"""Blind rounds: the panes show the entries in a random order, each named by a letter, and
nothing that gives a model away until every output has a vote (or the person asks to see).

A round is blind when its session is (`CompareSession.blind`) as the round starts: `begin`
draws its order. Votes cast before the names are shown are blind votes (`Vote.blind`): the
only ones a leaderboard of blind votes may count. "Reveal" before voting is done shows the
names and marks the round's votes as not blind; the last missing vote shows them and keeps
them blind.
"""

from __future__ import annotations

import random

from .session import BlindRound, CompareSession, Verdict

LETTERS = "ABCDEFGHIJ"
_DRAW = random.SystemRandom()  # nobody may predict the order from earlier ones


def letter(pane: int) -> str:
    return LETTERS[pane]


def begin(session: CompareSession, round_no: int, rng: random.Random = _DRAW) -> None:
    """Before the round `round_no` runs: its order, if the session is blind (a round that was
    begun and never ran is begun again)."""
    session.blind_rounds = [b for b in session.blind_rounds if b.round != round_no]
    if session.blind:
        order = list(range(len(session.entries)))
        rng.shuffle(order)
        session.blind_rounds.append(BlindRound(round=round_no, order=order))


def _shown(session: CompareSession) -> BlindRound | None:
    """The blind record of the round the panes show (the latest, one about to run, or the
    one picked to look at)."""
    if session.shown_round != session.last_round:
        return next((b for b in session.blind_rounds if b.round == session.shown_round), None)
    latest = max(session.blind_rounds, key=lambda b: b.round, default=None)
    return latest if latest is not None and latest.round >= session.last_round else None


def order(session: CompareSession | None) -> list[int]:
    """Pane p shows entry `order(session)[p]` (the entries' own order outside blind rounds;
    a blind round keeps its order after the reveal, so no pane moves under a vote)."""
    if session is None:
        return []
    shown = _shown(session)
    return list(shown.order) if shown else list(range(len(session.entries)))


def hidden(session: CompareSession | None) -> bool:
    """Whether the panes must not say which model made which output now."""
    shown = _shown(session) if session is not None else None
    return shown is not None and not shown.revealed


def round_hidden(session: CompareSession, round_no: int) -> bool:
    """Whether round `round_no` is blind and not yet shown (for views of many rounds)."""
    return any(b.round == round_no and not b.revealed for b in session.blind_rounds)


def entry_of(session: CompareSession, pane: int) -> int | None:
    found = order(session)
    return found[pane] if 0 <= pane < len(found) else None


def vote(session: CompareSession, pane: int, verdict: Verdict | None) -> bool:
    """The person's verdict on pane `pane` of the round shown; True when it was the last
    missing vote of a hidden round, which is then shown."""
    entry = entry_of(session, pane)
    if entry is None or not session.runs:
        return False
    round_no = session.shown_round
    was_hidden = hidden(session)
    session.vote(round_no, entry, verdict, blind=was_hidden)
    shown = _shown(session)
    if shown is not None and was_hidden and all_voted(session):
        shown.revealed = True
        return True
    return False


def all_voted(session: CompareSession) -> bool:
    """Every output of the round shown that finished has a vote (a failed one cannot)."""
    done = [r for r in session.round_runs(session.shown_round) if r.status == "succeeded"]
    return bool(done) and all(session.verdict(r.round, r.entry) is not None for r in done)


def reveal(session: CompareSession) -> bool:
    """Show the names before the voting is done: the round's votes stop counting as blind.
    False when nothing was hidden."""
    shown = _shown(session)
    if shown is None or shown.revealed:
        return False
    shown.revealed = True
    round_no = shown.round
    session.votes = [v.model_copy(update={"blind": False}) if v.round == round_no else v
                     for v in session.votes]
    return True
