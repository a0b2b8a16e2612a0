"""Blind rounds (compare/blind.py): the order, who a vote is for, when names show, which votes
count as blind; and a hostile file's blind order."""

from __future__ import annotations

import json
import random

import pytest
from pydantic import ValidationError

from playground.compare import CompareSession, Entry, Run, blind
from playground.compare.report import load_json


def session(n: int = 3, *, blind_mode: bool = True) -> CompareSession:
    entries = [Entry(ref=f"local/m{i}") for i in range(n)]
    return CompareSession(task="image", entries=entries, blind=blind_mode)


def run_round(s: CompareSession, statuses: list[str] | None = None,
              rng: random.Random | None = None) -> int:
    """A round as the runner leaves it: begun (its order drawn), then one run per entry."""
    round_no = s.last_round + 1
    blind.begin(s, round_no, rng or random.Random(7))
    for i, status in enumerate(statuses or ["succeeded"] * len(s.entries)):
        s.runs.append(Run(round=round_no, entry=i, status=status))
    return round_no


def test_a_blind_round_hides_from_before_its_runs_until_every_output_has_a_vote() -> None:
    s = session()
    blind.begin(s, 1, random.Random(7))
    assert blind.hidden(s)  # the panes drawn before the runs exist already hide
    order = blind.order(s)
    assert sorted(order) == [0, 1, 2] and order != [0, 1, 2]  # this seed shuffles
    for i in range(3):
        s.runs.append(Run(round=1, entry=i, status="succeeded"))
    # a vote on pane 0 is a vote for the entry pane 0 shows
    assert blind.vote(s, 0, "better") is False
    assert s.verdict(1, order[0]) == "better" and blind.hidden(s)
    assert blind.vote(s, 1, "worse") is False
    assert blind.vote(s, 2, "tie") is True  # the last one shows the names
    assert not blind.hidden(s)
    assert blind.order(s) == order  # no pane moves when the names show
    assert all(v.blind for v in s.votes) and len(s.votes) == 3
    # a vote changed after the names showed is not blind
    blind.vote(s, 0, "worse")
    assert [v.blind for v in s.votes if v.entry == order[0]] == [False]


def test_reveal_before_the_votes_are_in_makes_the_rounds_votes_not_blind() -> None:
    s = session()
    run_round(s)
    blind.vote(s, 0, "better")
    assert blind.reveal(s) is True
    assert not blind.hidden(s) and [v.blind for v in s.votes] == [False]
    assert blind.reveal(s) is False  # nothing left to show


def test_a_failed_output_needs_no_vote() -> None:
    s = session()
    run_round(s, ["succeeded", "failed", "succeeded"])
    order = blind.order(s)
    panes = [p for p in range(3) if order[p] != 1]
    assert blind.vote(s, panes[0], "better") is False
    assert blind.vote(s, panes[1], "worse") is True


def test_each_round_draws_its_own_order_and_an_old_rounds_votes_stay_put() -> None:
    s = session(4)
    run_round(s, rng=random.Random(1))
    for pane in range(4):
        blind.vote(s, pane, "tie")
    first = blind.order(s)
    run_round(s, rng=random.Random(2))
    assert blind.hidden(s) and blind.order(s) != first
    assert len([v for v in s.votes if v.round == 1]) == 4
    assert [b.round for b in s.blind_rounds] == [1, 2]


def test_not_blind_is_the_entries_own_order_and_nothing_hidden() -> None:
    s = session(blind_mode=False)
    run_round(s)
    assert blind.order(s) == [0, 1, 2] and not blind.hidden(s) and s.blind_rounds == []
    assert blind.vote(s, 2, "better") is False
    assert s.votes[0].entry == 2 and s.votes[0].blind is False
    # a blind round, then the switch turned off: the next round is plain again
    s.blind = True
    run_round(s)
    s.blind = False
    run_round(s)
    assert not blind.hidden(s) and blind.order(s) == [0, 1, 2]


def test_a_loaded_files_blind_order_must_be_an_order_of_its_entries(tmp_path) -> None:
    s = session()
    run_round(s)
    good = json.loads(s.model_dump_json())
    path = tmp_path / "s.json"
    path.write_text(json.dumps(good))
    back = load_json(path, tmp_path)
    assert back.blind_rounds == s.blind_rounds and blind.hidden(back)
    for order in ([0, 0, 1], [0, 1], [0, 1, 2, 3], [0, 1, 7]):
        bad = {**good, "blind_rounds": [{"round": 1, "order": order}]}
        with pytest.raises(ValidationError, match="blind_rounds.0.order"):
            CompareSession.model_validate_json(json.dumps(bad))
