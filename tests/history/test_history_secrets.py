"""No token and no secret input value ever reaches the history's files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hist_helpers import OWNER_A, finished

from playground.history import RunStore, Scope, looks_secret, secret_inputs

TOKEN = "r8_" + "Zq3" * 12
SECRET_VALUE = "hunter2-but-longer-and-unique-value"
SCHEMA = {"components": {"schemas": {"Input": {"properties": {
    "prompt": {"type": "string"},
    "replicate_weights": {"type": "string", "x-cog-secret": True, "format": "password"},
    "max_tokens": {"type": "integer"},
}}}}}


def _every_byte(data_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())


def test_secret_inputs_come_from_the_schema() -> None:
    assert secret_inputs(SCHEMA) == {"replicate_weights"}
    assert secret_inputs(None) == frozenset()
    assert secret_inputs({"components": "nonsense"}) == frozenset()


@pytest.mark.parametrize("name", ["api_key", "apiKey", "hf_token", "HF-API-TOKEN", "password",
                                  "openai_api_key", "secret", "access_key", "auth",
                                  "private_key", "replicate_api_token"])
def test_names_that_look_secret(name: str) -> None:
    assert looks_secret(name)


@pytest.mark.parametrize("name", ["prompt", "max_tokens", "max_new_tokens", "key", "seed",
                                  "author", "tokenizer", "keyframes", "min_tokens"])
def test_names_that_do_not(name: str) -> None:
    assert not looks_secret(name)


def test_no_token_or_secret_is_stored_anywhere(store: RunStore, data_dir: Path) -> None:
    run = finished(
        inputs={"prompt": f"please ignore {TOKEN}", "replicate_weights": SECRET_VALUE,
                "hf_token": SECRET_VALUE + "2", "max_tokens": 64},
        secret_inputs=secret_inputs(SCHEMA), logs=f"Authorization: Bearer {TOKEN}",
        error=f"bad token {TOKEN}", output=[f"echo {TOKEN}"])
    record = store.record(run, OWNER_A)
    assert record.inputs["replicate_weights"] == {"$secret": "not stored"}
    assert record.inputs["hf_token"] == {"$secret": "not stored"}
    assert record.inputs["max_tokens"] == 64
    assert TOKEN not in record.inputs["prompt"] and TOKEN not in record.logs
    store.close()  # flush the WAL into the database file too
    raw = _every_byte(data_dir)
    for secret in (TOKEN, SECRET_VALUE):
        assert secret.encode() not in raw
    reopened = RunStore(data_dir)
    try:
        again = reopened.get(record.id, Scope.of(OWNER_A))
        assert again is not None and TOKEN not in str(again.to_json())
    finally:
        reopened.close()
