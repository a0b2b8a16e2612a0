"""A session shared for voting, without the page: the ballot box's room (once per browser and
output, nothing for a room that is not there) and what a voter's page holds."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from playground.compare import CompareSession, Entry, Run, blind
from playground.compare.ballots import BallotBox, voter_id
from playground.compare.room import for_voter, tally


def shared_session() -> CompareSession:
    s = CompareSession(task="image", entries=[Entry(ref="x/a"), Entry(ref="x/b"),
                                              Entry(ref="x/c")], blind=True)
    blind.begin(s, 1, random.Random(3))
    for i in range(3):
        s.runs.append(Run(round=1, entry=i, status="succeeded"))
    s.vote(1, 0, "better", blind=True)  # the host's own vote: never shown to the room
    return s


def test_each_browser_votes_once_per_output_and_a_missing_room_counts_nothing(
        tmp_path: Path) -> None:
    box = BallotBox(tmp_path)
    s = shared_session()
    assert box.room_vote(s.id, 1, "owner-1", 0, "better") == "gone"  # not shared yet
    box.share(s, "host")
    assert box.room_vote(s.id, 1, "owner-1", 0, "better") == "counted"
    assert box.room_vote(s.id, 1, "owner-1", 0, "worse") == "already"
    assert box.room_vote(s.id, 1, "owner-2", 0, "worse") == "counted"
    assert box.room_vote(s.id, 1, "owner-2", 7, "worse") == "gone"  # no such output
    assert box.room_vote(s.id, 2, "owner-2", 0, "worse") == "gone"  # no such round
    assert box.room_vote(s.id, 1, "owner-3", 0, "excellent") == "gone"
    votes = box.room_votes(s.id)
    assert [(v.entry, v.verdict) for v in votes] == [(0, "better"), (0, "worse")]
    assert {v.voter for v in votes} == {voter_id("owner-1"), voter_id("owner-2")}
    # the database holds no owner id, only the opaque voter ids
    raw = (tmp_path / "votes.sqlite3").read_bytes()
    assert b"owner-1" not in raw and b"owner-2" not in raw
    for hostile in (None, 7, "", "../x", "a" * 65, "ABC", "x\x00y"):
        assert box.shared(hostile) is None
    assert box.shared(s.id) is not None and box.shared(s.id).votes == []


def test_a_damaged_shared_row_is_no_room(tmp_path: Path) -> None:
    box = BallotBox(tmp_path)
    s = shared_session()
    box.share(s, "host")
    with sqlite3.connect(tmp_path / "votes.sqlite3") as conn:
        conn.execute("UPDATE shared SET session = '{\"format\": 1}'")
    assert box.shared(s.id) is None
    assert box.room_vote(s.id, 1, "owner-1", 0, "better") == "gone"


def test_a_voters_page_holds_the_round_blind_in_its_own_order_with_no_ones_votes() -> None:
    s = shared_session()
    copy = for_voter(s, random.Random(11))
    assert copy.votes == [] and blind.hidden(copy) and sorted(blind.order(copy)) == [0, 1, 2]
    assert s.votes and blind.hidden(s)  # the host's own session is untouched
    s.blind = False
    assert blind.hidden(for_voter(s))  # a room votes blind, whatever the host's switch


def test_the_tally_counts_browsers_and_votes_per_output(tmp_path: Path) -> None:
    box = BallotBox(tmp_path)
    s = shared_session()
    box.share(s, "host")
    box.room_vote(s.id, 1, "o1", 0, "better")
    box.room_vote(s.id, 1, "o1", 1, "worse")
    box.room_vote(s.id, 1, "o2", 0, "tie")
    text = tally(s, box.room_votes(s.id), [(1, "B"), (0, "A"), (2, "C")])
    assert "2 browsers, 3 votes" in text
    lines = [line for line in text.splitlines() if line.startswith("| ") and "output" not in line]
    assert lines == ["| B | 0 | 1 | 0 |", "| A | 1 | 0 | 1 |", "| C | 0 | 0 | 0 |"]


def test_only_the_browser_that_shared_a_session_can_share_it_again(tmp_path: Path) -> None:
    box = BallotBox(tmp_path)
    s = shared_session()
    assert box.share(s, "host") is True
    copy = for_voter(box.shared(s.id))  # a voter's page: same id
    copy.runs.append(Run(round=2, entry=0, status="succeeded"))
    assert box.share(copy, "voter") is False  # it would replace the host's room
    assert box.shared(s.id).last_round == 1
    assert box.share(s, "host") is True  # the host shares its next round
