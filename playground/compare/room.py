"""A session shared for voting: anyone with its link sees the same outputs (never run again)
and votes, each browser once per output; the host sees the tally as it comes in.

The shared copy lives in the ballot box (`ballots.BallotBox.share`); a voter's page holds
`for_voter(copy)`: the latest round, with no one's votes, blind in an order of its own.
"""

from __future__ import annotations

import random
from collections import Counter

from .session import BlindRound, CompareSession, RoomVote

_DRAW = random.SystemRandom()


def for_voter(shared: CompareSession, rng: random.Random = _DRAW) -> CompareSession:
    """The shared session as one voter's page holds it: blind, whether or not the host's
    round was (a room votes blind by default; the names show once this voter has voted)."""
    copy = shared.model_copy(deep=True, update={"votes": [], "room_votes": [], "blind": True})
    latest = copy.last_round
    copy.blind_rounds = [b for b in copy.blind_rounds if b.round != latest]
    order = list(range(len(copy.entries)))
    rng.shuffle(order)
    copy.blind_rounds.append(BlindRound(round=latest, order=order))
    return copy


def tally(session: CompareSession, votes: list[RoomVote], rows_of: list[tuple[int, str]]) -> str:
    """The room's votes on the latest round, in Markdown: one row per (entry, name) of
    `rows_of`, in its order (the host's panes: titles, or their letters while hidden)."""
    latest = session.last_round
    shown = [v for v in votes if v.round == latest]
    voters = len({v.voter for v in shown})
    if not shown:
        return f"**Votes from the room, round {latest}:** none yet."
    count = Counter((v.entry, v.verdict) for v in shown)
    rows = [f"**Votes from the room, round {latest}:** {voters} "
            f"browser{'s' * (voters != 1)}, {len(shown)} vote{'s' * (len(shown) != 1)}.", "",
            "| output | better than the others | not as good | about the same |",
            "|---|---|---|---|"]
    for i, name in rows_of:
        rows.append(f"| {name} | {count[i, 'better']} | {count[i, 'worse']} "
                    f"| {count[i, 'tie']} |")
    return "\n".join(rows)
