"""A failed prediction's error, read once into a Failure the page switches on."""

from __future__ import annotations

import pytest

from playground.results import Failure, RunResult, failure_of


@pytest.mark.parametrize(("error", "kind"), [
    ("local/sd-turbo is unavailable: no PyPI package carries diffusion weights",
     Failure.UNAVAILABLE),
    ("Text-to-image is not available locally", Failure.UNAVAILABLE),
    ("the request exceeds the available context size, try increasing it",
     Failure.CONTEXT_FULL),
    ("engine restarted: the run was interrupted", Failure.INTERRUPTED),
    ("cannot identify image file <_io.BytesIO object>", Failure.UNREADABLE_FILE),
    ("CUDA out of memory", Failure.OTHER),
    (None, Failure.OTHER),
])
def test_each_wording_is_one_kind(error: str | None, kind: Failure) -> None:
    assert failure_of(error) is kind


def test_only_a_failed_result_has_a_failure() -> None:
    def result(status: str) -> RunResult:
        return RunResult("p", "local/x", None, {}, status, error="local/x is unavailable: no")

    assert result("failed").failure is Failure.UNAVAILABLE
    assert result("succeeded").failure is None
    assert result("canceled").failure is None
