"""The session model: entries, merged inputs, votes and the summary."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from playground.compare import CompareSession, Entry, Run


def make(n: int = 2, **kwargs: object) -> CompareSession:
    entries = [Entry(ref=f"local/m{i}", label=f"M{i}") for i in range(n)]
    return CompareSession(task="image", entries=entries, **kwargs)


def test_entry_refs() -> None:
    assert Entry(ref=" owner/name:abc ").ref == "owner/name:abc"
    assert Entry(ref="preset:upscale").is_preset
    for bad in ("name", "a/b/c", "/x", "preset:"):
        with pytest.raises(ValidationError):
            Entry(ref=bad)


@pytest.mark.parametrize("n", [1, 5])
def test_two_to_four_entries(n: int) -> None:
    with pytest.raises(ValidationError, match="2 to 4"):
        make(n)


def test_entry_parts_pin_the_seed_and_keep_overrides_apart(tmp_path) -> None:
    s = CompareSession(
        task="image-to-image",
        entries=[Entry(ref="a/b", overrides={"scale": 2}), Entry(ref="c/d", overrides={"seed": 9})],
        inputs={"scale": 4, "prompt": "x"},
        input_files={"image": "compare/inputs/cat.png"},
        seed=42,
    )
    (shared, first), (_, second) = s.entry_parts(0, tmp_path), s.entry_parts(1, tmp_path)
    assert shared == {"scale": 4, "prompt": "x", "seed": 42,
                      "image": tmp_path / "compare/inputs/cat.png"}
    assert first == {"scale": 2} and second == {"seed": 9}


def test_votes_replace_and_clear() -> None:
    s = make(3)
    s.vote(1, 0, "better")
    s.vote(1, 0, "worse")
    assert s.verdict(1, 0) == "worse" and len(s.votes) == 1
    s.vote(1, 0, None)
    assert s.verdict(1, 0) is None
    with pytest.raises(ValueError):
        s.vote(1, 7, "tie")


def test_summary_math() -> None:
    s = make(2)
    s.runs = [
        Run(round=1, entry=0, status="succeeded", metrics={"predict_time": 1.0, "total_time": 2.0},
            cost_usd=0.001),
        Run(round=2, entry=0, status="succeeded", metrics={"predict_time": 3.0, "total_time": 4.0},
            cost_usd=0.003),
        Run(round=1, entry=1, status="failed", metrics={"predict_time": 50.0}),
        Run(round=2, entry=1, status="succeeded", metrics={"predict_time": 2.0}),
    ]
    for round_no, a, b in ((1, "better", "worse"), (2, "tie", "tie")):
        s.vote(round_no, 0, a)
        s.vote(round_no, 1, b)
    first, second = s.summary()
    assert (first.runs, first.succeeded, first.wins, first.losses, first.ties) == (2, 2, 1, 0, 1)
    assert first.mean_predict_time == pytest.approx(2.0)
    assert first.mean_total_time == pytest.approx(3.0)
    assert first.mean_cost_usd == pytest.approx(0.002)
    # failed runs do not count toward the means; missing metrics give None, not 0
    assert second.mean_predict_time == pytest.approx(2.0)
    assert second.mean_total_time is None and second.mean_cost_usd is None
    assert (second.wins, second.losses, second.ties) == (0, 1, 1)
    assert [r.entry for r in s.round_runs()] == [0, 1] and s.last_round == 2


def test_pinned_ref() -> None:
    assert Run(round=1, entry=0, model="a/b", version="v1").pinned_ref == "a/b:v1"
    assert Run(round=1, entry=0, model="a/b", version="hidden").pinned_ref == "a/b"
    assert Run(round=1, entry=0).pinned_ref is None
