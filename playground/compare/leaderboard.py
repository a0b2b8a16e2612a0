"""A leaderboard from blind votes: Bradley-Terry strengths with bootstrap intervals, wins,
losses and ties, and who beats whom how often.

A round's verdicts (one per output: better, about the same, not as good) become battles, one
per pair of outputs that both have a vote: the one voted higher wins; equal verdicts are a tie
("both not as good" is Chatbot Arena's "both bad", a tie as well). Only blind votes count
(`Vote.blind`): a vote cast knowing the names measures the names.

The fit is the maximum-likelihood Bradley-Terry model (P(i beats j) = p_i / (p_i + p_j)) by
Hunter's MM iterations; a tie counts as half a win for each side, as Chatbot Arena counts it;
every model also gets half a tie against a model of strength 1 (the anchor), so that one never
beaten (or never winning) keeps a finite strength. Ratings are on the Elo scale:
1000 + 400 log10(p), the anchor at 1000. The 95 % interval is the 2.5th to 97.5th percentile
of the rating over bootstrap resamples of the battles (a fixed seed: the same votes give the
same table).
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from .report import write_text_atomic
from .session import CompareSession

Outcome = Literal["a", "b", "tie"]
RANK = {"better": 2, "tie": 1, "worse": 0}
PRIOR_GAMES = 0.5  # each model's virtual games against the anchor, half of them won
BOOTSTRAP = 200
METHOD = ("Ratings: Bradley-Terry strengths from blind votes only, on the Elo scale (1000: "
          "an average model); a tie or \"both not as good\" counts as half a win for each "
          "side, as Chatbot Arena counts them; each model is given half a tie against an "
          "average one, so one that always wins still gets a finite rating; 95 % intervals "
          "from 200 bootstrap resamples of the battles.")


@dataclass(frozen=True)
class Battle:
    a: str
    b: str
    outcome: Outcome


@dataclass
class Row:
    model: str
    rating: float
    low: float  # the 95 % interval
    high: float
    wins: int
    losses: int
    ties: int
    battles: int


@dataclass
class Leaderboard:
    rows: list[Row]
    models: list[str]  # in the rows' order
    # win_rate[i][j]: how often models[i] beat models[j] (a tie half), None if they never met
    win_rate: list[list[float | None]]
    votes: int  # blind battles counted
    method: str = METHOD
    extra: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"method": self.method, "battles": self.votes,
                           "rows": [asdict(r) for r in self.rows], "models": self.models,
                           "win_rate": self.win_rate, **self.extra}, indent=2)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["rank", "model", "rating", "low_95", "high_95", "wins", "losses",
                         "ties", "battles", *[f"win rate vs {m}" for m in self.models]])
        for n, (row, rates) in enumerate(zip(self.rows, self.win_rate, strict=True), 1):
            writer.writerow([n, _cell(row.model), f"{row.rating:.1f}", f"{row.low:.1f}",
                             f"{row.high:.1f}", row.wins, row.losses, row.ties, row.battles,
                             *["" if r is None else f"{r:.3f}" for r in rates]])
        return out.getvalue()


def write(board: Leaderboard, folder: Path, stem: str) -> tuple[Path, Path]:
    """(the CSV, the JSON) as `folder/leaderboard-<stem>.csv|json` (`stem`: the app's own)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / f"leaderboard-{stem}.csv", folder / f"leaderboard-{stem}.json")
    for path, text in zip(paths, (board.to_csv(), board.to_json()), strict=True):
        write_text_atomic(path, text)
    return paths


def _cell(text: str) -> str:
    """A spreadsheet would run a cell starting with = + - @ as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def battles_of(session: CompareSession, *, blind_only: bool = True,
               round_no: int | None = None) -> list[Battle]:
    """Every pair of voted outputs of each round (or of `round_no`), named by their entries'
    titles."""
    titles = [e.title for e in session.entries]
    found: list[Battle] = []
    rounds = sorted({v.round for v in session.votes}) if round_no is None else [round_no]
    for round_no in rounds:
        voted = sorted((v.entry, RANK[v.verdict]) for v in session.votes
                       if v.round == round_no and (v.blind or not blind_only))
        for x in range(len(voted)):
            for y in range(x + 1, len(voted)):
                (i, ri), (j, rj) = voted[x], voted[y]
                if titles[i] == titles[j]:
                    continue  # the same contestant twice says nothing about it
                outcome: Outcome = "a" if ri > rj else "b" if rj > ri else "tie"
                found.append(Battle(titles[i], titles[j], outcome))
    return found


def strengths(battles: Sequence[Battle], models: Sequence[str],
              iterations: int = 2000, tol: float = 1e-10) -> dict[str, float]:
    """The Bradley-Terry strengths (MM iterations), the anchor's at 1."""
    index = {m: k for k, m in enumerate(models)}
    n = len(models)
    wins = [PRIOR_GAMES / 2] * n
    games: list[dict[int, float]] = [{} for _ in range(n)]
    for battle in battles:
        i, j = index[battle.a], index[battle.b]
        games[i][j] = games[i].get(j, 0.0) + 1
        games[j][i] = games[j].get(i, 0.0) + 1
        if battle.outcome == "a":
            wins[i] += 1
        elif battle.outcome == "b":
            wins[j] += 1
        else:
            wins[i] += 0.5
            wins[j] += 0.5
    p = [1.0] * n
    for _ in range(iterations):
        new = []
        for i in range(n):
            denominator = PRIOR_GAMES / (p[i] + 1.0)  # the anchor, strength 1
            denominator += sum(count / (p[i] + p[j]) for j, count in games[i].items())
            new.append(wins[i] / denominator)
        change = max(abs(math.log(a / b)) for a, b in zip(new, p, strict=True)) if n else 0
        p = new
        if change < tol:
            break
    return {m: p[index[m]] for m in models}


def rating(strength: float) -> float:
    return 1000 + 400 * math.log10(strength)


def leaderboard(battles: Sequence[Battle], *, rounds: int = BOOTSTRAP,
                seed: int = 0) -> Leaderboard:
    models = sorted({b.a for b in battles} | {b.b for b in battles})
    fitted = strengths(battles, models)
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {m: [] for m in models}
    for _ in range(rounds if battles else 0):
        drawn = [battles[rng.randrange(len(battles))] for _ in battles]
        for m, s in strengths(drawn, models, iterations=500, tol=1e-8).items():
            samples[m].append(rating(s))
    rows = []
    for m in models:
        won = sum((b.a == m and b.outcome == "a") or (b.b == m and b.outcome == "b")
                  for b in battles)
        lost = sum((b.a == m and b.outcome == "b") or (b.b == m and b.outcome == "a")
                   for b in battles)
        tied = sum(m in (b.a, b.b) and b.outcome == "tie" for b in battles)
        r = rating(fitted[m])
        low, high = _interval(samples[m], r)
        rows.append(Row(m, r, low, high, won, lost, tied, won + lost + tied))
    rows.sort(key=lambda row: (-row.rating, row.model))
    order = [row.model for row in rows]
    return Leaderboard(rows, order, [[_rate(battles, a, b) for b in order] for a in order],
                       len(battles))


def _interval(values: list[float], point: float) -> tuple[float, float]:
    if not values:
        return point, point
    ranked = sorted(values)
    return (ranked[int(0.025 * (len(ranked) - 1))], ranked[math.ceil(0.975 * (len(ranked) - 1))])


def _rate(battles: Iterable[Battle], a: str, b: str) -> float | None:
    if a == b:
        return None
    score = games = 0.0
    for battle in battles:
        if {battle.a, battle.b} != {a, b}:
            continue
        games += 1
        if battle.outcome == "tie":
            score += 0.5
        elif (battle.outcome == "a") == (battle.a == a):
            score += 1
    return score / games if games else None
