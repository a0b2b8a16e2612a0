"""Arena rounds: two contestants drawn at random from a pool the host sets (the models on show
to a room), so the person voting never chose, and never sees, which two ran."""

from __future__ import annotations

import random
from collections.abc import Iterable

from .forms import FormProblem

_DRAW = random.SystemRandom()


def pick_two(pool: Iterable[object], rng: random.Random = _DRAW) -> list[str]:
    """Two different entries of `pool` (its blanks and repeats set aside)."""
    found = list(dict.fromkeys(str(p).strip() for p in pool if p and str(p).strip()))
    if len(found) < 2:
        raise FormProblem("Put at least two models in the arena's pool.")
    return rng.sample(found, 2)
