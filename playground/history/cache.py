"""When a run may be answered from the history instead of the backend, and the key that finds it.

Only a run that would give the same output again is served from the history: the same server,
the same model version, the same inputs (files compared by content), and either a seed the user
fixed or a model with no randomness. A run with a secret input is never keyed: its key would
depend on the secret.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from playground.files import datauri
from playground.files.errors import FileProblem
from playground.history.record import InputFile
from playground.history.redact import is_secret_input

KEY_FORMAT = 1  # bump to retire every key made before (a change in what "identical" means)
SEED_INPUTS = ("seed",)


def repeatable(inputs: dict[str, Any], *, deterministic: bool, seed_chosen: bool = True) -> bool:
    """Whether these inputs give the same output again: a deterministic model, or a seed that
    the user chose (`seed_chosen=False` when the tab drew it at random)."""
    if deterministic:
        return True
    seed = next((inputs[k] for k in SEED_INPUTS if k in inputs), None)
    return seed_chosen and isinstance(seed, int) and not isinstance(seed, bool)


def cache_key(*, backend_url: str, model: str, version: str | None, inputs: dict[str, Any],
              secrets: frozenset[str] = frozenset()) -> str | None:
    """A hex digest naming this exact run, or None when it must never be served again."""
    canonical: dict[str, Any] = {}
    for name, value in inputs.items():
        if value is None:
            continue  # the service sends no value for None: the model's default
        if is_secret_input(name, secrets):
            return None
        try:
            canonical[name] = _canonical(value, 0)
        except _NotKeyable:
            return None
    text = json.dumps({"format": KEY_FORMAT, "backend": backend_url.rstrip("/"),
                       "model": model, "version": version, "inputs": canonical},
                      sort_keys=True, ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


class _NotKeyable(Exception):
    pass


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _canonical(value: Any, depth: int) -> Any:
    if depth > 32:
        raise _NotKeyable
    if isinstance(value, InputFile):
        return _digest(value.data)
    if isinstance(value, bytes | bytearray):
        return _digest(bytes(value))
    if isinstance(value, Path):
        try:
            return _digest(value.read_bytes())
        except OSError:
            raise _NotKeyable from None
    if isinstance(value, str):
        if value.startswith("data:") and "," in value:
            try:
                return _digest(datauri.decode(value)[0])
            except FileProblem:
                raise _NotKeyable from None
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _NotKeyable
        return int(value) if value.is_integer() else value
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, dict):
        return {str(k): _canonical(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v, depth + 1) for v in value]
    raise _NotKeyable
