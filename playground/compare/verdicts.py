"""What a round shows, in sentences a person reads at a glance: which entry was faster than
which, which gave the same output, which did not finish, and the votes, each worded against
what it is compared with ("A is 2.1x faster than B", "A and B gave the same output").
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from playground.results import format_seconds

from .session import CompareSession, Run, resolve_name

SAME_TIME = 1.15  # within 15% (or 0.05 s) two runs "took about as long"
# a vote's value, and how it reads against the other entries
VOTE_WORDS = {"better": "better than", "worse": "not as good as", "tie": "as good as"}


def names(session: CompareSession) -> list[str]:
    """Each entry as the sentences name it: its title, numbered when two titles are alike."""
    titles = [e.title for e in session.entries]
    return [t if titles.count(t) == 1 else f"Entry {i + 1} ({t})" for i, t in enumerate(titles)]


def round_findings(session: CompareSession, base: Path | None = None,
                   round_no: int | None = None) -> list[str]:
    """The sentences for one round (default: the latest)."""
    runs = session.round_runs(round_no)
    if not runs:
        return []
    called = names(session)
    done = [r for r in runs if r.status == "succeeded"]
    lines = _speed(done, called) + _outputs(done, called, base)
    for run in runs:
        if run.done and run.status != "succeeded":
            lines.append(f"{called[run.entry]} did not finish ({run.shown_status}).")
    lines += _votes(session, runs, called)
    return lines


def _speed(done: list[Run], called: list[str]) -> list[str]:
    timed = sorted((r for r in done if r.metrics.get("predict_time") is not None),
                   key=lambda r: r.metrics["predict_time"])
    if len(timed) < 2:
        return []
    fast = timed[0]
    a = fast.metrics["predict_time"]
    lines = []
    for other in timed[1:]:
        b = other.metrics["predict_time"]
        pair = f"({format_seconds(a, 2)} against {format_seconds(b, 2)})"
        if b - a < 0.05 or (a > 0 and b / a < SAME_TIME):
            lines.append(f"{called[fast.entry]} and {called[other.entry]} took about as long "
                         f"{pair}.")
        elif a > 0:
            lines.append(f"{called[fast.entry]} is {b / a:.1f}x faster than "
                         f"{called[other.entry]} {pair}.")
        else:
            lines.append(f"{called[fast.entry]} is faster than {called[other.entry]} {pair}.")
    return lines


def _outputs(done: list[Run], called: list[str], base: Path | None) -> list[str]:
    groups: dict[str, list[int]] = {}
    for run in done:
        key = _fingerprint(run, base)
        if key is not None:
            groups.setdefault(key, []).append(run.entry)
    if sum(len(g) for g in groups.values()) < 2:
        return []
    same = [g for g in groups.values() if len(g) > 1]
    if not same:
        return ["Each entry gave a different output."]
    return [f"{_join([called[i] for i in g])} gave the same output." for g in same]


def _votes(session: CompareSession, runs: list[Run], called: list[str]) -> list[str]:
    lines = []
    for run in runs:
        verdict = session.verdict(run.round, run.entry)
        if verdict is None:
            continue
        others = [called[r.entry] for r in runs if r.entry != run.entry]
        lines.append(f"You voted {called[run.entry]} {VOTE_WORDS[verdict]} "
                     f"{_join(others) if others else 'the others'}.")
    return lines


def _fingerprint(run: Run, base: Path | None) -> str | None:
    """What identifies an output: its files' bytes, else its text."""
    if run.files:
        digest = hashlib.sha256()
        for name in run.files:
            path = resolve_name(name, base)
            if not path.is_file():
                return None
            digest.update(path.read_bytes())
        return "files:" + digest.hexdigest()
    if run.text is not None:
        return "text:" + run.text.strip()
    return None


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
