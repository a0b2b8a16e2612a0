"""The response checker itself must be able to fail."""

from __future__ import annotations

import jsonschema
import pytest

from .openapi_check import check_response

PRED = {
    "id": "abc", "model": "a/b", "version": "v", "input": {}, "output": None, "error": None,
    "logs": "", "status": "starting", "data_removed": False,
    "created_at": "2024-01-01T00:00:00.000000Z",
    "metrics": {}, "source": "api",
    "urls": {"get": "http://x/v1/predictions/abc", "cancel": "http://x/c", "web": "http://x/w"},
}


def test_accepts_a_valid_prediction() -> None:
    check_response("GET", "/v1/predictions/abc", 200, PRED)
    check_response("POST", "/v1/predictions/abc/cancel", 200, PRED)
    check_response("GET", "/v1/predictions", 200, {"next": None, "previous": None,
                                                   "results": [PRED]})


@pytest.mark.parametrize("change", [
    {"status": "aborted"},
    {"status": "weird"},
    {"urls": {"get": "http://x", "cancel": "http://x"}},
    {"error": 3},
    {"data_removed": "no"},
    {"source": "cli"},
    {"started_at": None},  # Replicate omits it; the document types it as a string
    {"completed_at": None},
])
def test_rejects_broken_predictions(change: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        check_response("GET", "/v1/predictions/abc", 200, {**PRED, **change})


def test_missing_required_and_problem_shape() -> None:
    broken = {k: v for k, v in PRED.items() if k != "urls"}
    with pytest.raises(jsonschema.ValidationError):
        check_response("GET", "/v1/predictions/abc", 200, broken)
    check_response("GET", "/v1/predictions/x", 404, {"title": "t", "detail": "d", "status": 404})
    with pytest.raises(jsonschema.ValidationError):
        check_response("GET", "/v1/predictions/x", 404, {"detail": "d"})
    with pytest.raises(AssertionError):
        check_response("GET", "/v1/nothing/here", 200, {})
    with pytest.raises(jsonschema.ValidationError):
        check_response("GET", "/v1/hardware", 200, {"name": "CPU"})
