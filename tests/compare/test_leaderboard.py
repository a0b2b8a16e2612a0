"""The leaderboard's numbers against a hand-checked vote table: counts and win rates worked out
by hand, strengths checked against the Bradley-Terry likelihood equations written out here
(not the module's iterations), and which votes count."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest

from playground.compare import CompareSession, Entry, Run
from playground.compare.leaderboard import (
    PRIOR_GAMES,
    Battle,
    battles_of,
    leaderboard,
    rating,
    strengths,
)

# A hand-made table: A and B met 6 times (A won 3, B won 1, 2 ties); B and C 4 times (B won
# 3, C 1); A and C twice (A won both).
TABLE = ([Battle("A", "B", "a")] * 3 + [Battle("A", "B", "b")] + [Battle("B", "A", "tie")] * 2
         + [Battle("B", "C", "a")] * 3 + [Battle("C", "B", "a")] + [Battle("C", "A", "b")] * 2)


def likelihood_gap(p: dict[str, float], battles: list[Battle]) -> float:
    """The largest gap in the maximum-likelihood equations: for every model, its wins (a tie
    half, plus half of its PRIOR_GAMES against the anchor) equal its expected wins."""
    worst = 0.0
    for m, pm in p.items():
        won = PRIOR_GAMES / 2
        expected = PRIOR_GAMES * pm / (pm + 1)
        for b in battles:
            if m not in (b.a, b.b):
                continue
            other = b.b if b.a == m else b.a
            expected += pm / (pm + p[other])
            won += 0.5 if b.outcome == "tie" else float((b.outcome == "a") == (b.a == m))
        worst = max(worst, abs(won - expected))
    return worst


def test_the_counts_and_win_rates_are_the_hand_counted_ones() -> None:
    board = leaderboard(TABLE, rounds=50)
    rows = {r.model: r for r in board.rows}
    assert (rows["A"].wins, rows["A"].losses, rows["A"].ties, rows["A"].battles) == (5, 1, 2, 8)
    assert (rows["B"].wins, rows["B"].losses, rows["B"].ties, rows["B"].battles) == (4, 4, 2, 10)
    assert (rows["C"].wins, rows["C"].losses, rows["C"].ties, rows["C"].battles) == (1, 5, 0, 6)
    assert board.votes == 12 and board.models == ["A", "B", "C"]
    rate = {(a, b): board.win_rate[i][j] for i, a in enumerate(board.models)
            for j, b in enumerate(board.models)}
    assert rate["A", "B"] == pytest.approx(4 / 6) and rate["B", "A"] == pytest.approx(2 / 6)
    assert rate["B", "C"] == pytest.approx(3 / 4) and rate["A", "C"] == 1.0
    assert rate["C", "A"] == 0.0 and rate["A", "A"] is None


def test_the_strengths_solve_the_likelihood_equations() -> None:
    p = strengths(TABLE, ["A", "B", "C"])
    assert likelihood_gap(p, TABLE) < 1e-6
    assert p["A"] > p["B"] > p["C"]
    board = leaderboard(TABLE, rounds=100)
    for row in board.rows:
        assert row.rating == pytest.approx(1000 + 400 * math.log10(p[row.model]))
        assert row.low <= row.rating <= row.high  # the interval holds the estimate


def test_two_models_against_the_closed_form_without_the_anchor() -> None:
    # two models alone: p_A / p_B = wins_A / wins_B exactly; the anchor's half tie pulls
    # both toward 1000 a little, and never reorders them
    battles = [Battle("A", "B", "a")] * 6 + [Battle("A", "B", "b")] * 2
    p = strengths(battles, ["A", "B"])
    assert likelihood_gap(p, battles) < 1e-6
    gap = rating(p["A"]) - rating(p["B"])
    assert 0.8 * 400 * math.log10(3) < gap < 400 * math.log10(3)


def test_an_unbeaten_model_stays_finite_and_no_votes_is_an_empty_table() -> None:
    board = leaderboard([Battle("A", "B", "a")] * 5)
    assert math.isfinite(board.rows[0].rating) and board.rows[0].model == "A"
    assert leaderboard([]).rows == []


def test_the_same_votes_give_the_same_table() -> None:
    assert leaderboard(TABLE).to_json() == leaderboard(TABLE).to_json()


def test_only_blind_votes_become_battles_ranked_by_their_verdicts() -> None:
    s = CompareSession(task="image", entries=[Entry(ref="x/a"), Entry(ref="x/b"),
                                              Entry(ref="x/c")])
    for i in range(3):
        s.runs.append(Run(round=1, entry=i, status="succeeded"))
    s.vote(1, 0, "better", blind=True)
    s.vote(1, 1, "worse", blind=True)
    s.vote(1, 2, "tie", blind=True)
    s.vote(2, 0, "worse")  # not blind: never counted
    s.vote(2, 1, "better")
    assert battles_of(s) == [Battle("x/a", "x/b", "a"), Battle("x/a", "x/c", "a"),
                             Battle("x/b", "x/c", "b")]
    assert len(battles_of(s, blind_only=False)) == 4
    # "both not as good" is a tie
    s.vote(1, 0, "worse", blind=True)
    assert Battle("x/a", "x/b", "tie") in battles_of(s)


def test_the_csv_and_json_carry_every_number_and_no_formula() -> None:
    battles = [Battle("=HYPERLINK(\"http://x\")", "B", "a"), Battle("B", "-2+3", "tie")]
    board = leaderboard(battles, rounds=20)
    rows = list(csv.reader(io.StringIO(board.to_csv())))
    assert rows[0][:9] == ["rank", "model", "rating", "low_95", "high_95", "wins", "losses",
                           "ties", "battles"]
    assert all(not r[1].startswith(("=", "-", "+", "@")) for r in rows[1:])
    data = json.loads(board.to_json())
    assert data["battles"] == 2 and "Bradley-Terry" in data["method"]
    assert {r["model"] for r in data["rows"]} == {"=HYPERLINK(\"http://x\")", "B", "-2+3"}
