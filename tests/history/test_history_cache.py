"""The cache key: an identical run (same version, inputs, a fixed seed or a deterministic
model) finds the saved result; anything else does not."""

from __future__ import annotations

import base64
from pathlib import Path

from hist_helpers import OWNER_A, finished, png, saved

from playground.history import InputFile, RunStore, Scope, cache_key, repeatable

A = Scope.of(OWNER_A)
URL = "http://127.0.0.1:8008"


def key(**inputs: object) -> str | None:
    return cache_key(backend_url=URL, model="stability-ai/sdxl", version="v1", inputs=inputs)


def test_same_inputs_same_key_and_files_compare_by_content(tmp_path: Path) -> None:
    image = png((1, 1, 1))
    uri = "data:image/png;base64," + base64.b64encode(image).decode()
    path = tmp_path / "x.png"
    path.write_bytes(image)
    k = key(image=InputFile(image, "a.png"), scale=2)
    assert k is not None and len(k) == 64
    assert key(image=uri, scale=2) == k == key(image=path, scale=2.0) == key(image=image, scale=2)
    assert key(image=InputFile(image), scale=2, face_enhance=None) == k  # None: not sent
    assert key(image=InputFile(png((2, 2, 2))), scale=2) != k


def test_anything_different_is_another_key() -> None:
    k = key(prompt="a fox", seed=1)
    assert key(prompt="a fox", seed=2) != k
    assert key(prompt="a fox ", seed=1) != k
    assert cache_key(backend_url=URL, model="stability-ai/sdxl", version="v2",
                     inputs={"prompt": "a fox", "seed": 1}) != k
    assert cache_key(backend_url="https://api.replicate.com", model="stability-ai/sdxl",
                     version="v1", inputs={"prompt": "a fox", "seed": 1}) != k


def test_runs_with_secrets_or_unkeyable_values_have_no_key() -> None:
    assert key(prompt="x", api_key="r8_x") is None
    assert cache_key(backend_url=URL, model="m", version=None, inputs={"weights": "w"},
                     secrets=frozenset({"weights"})) is None
    assert key(prompt="x", guidance=float("nan")) is None
    assert key(prompt="x", thing=object()) is None


def test_only_a_fixed_seed_or_a_deterministic_model_is_repeatable() -> None:
    assert repeatable({"prompt": "x", "seed": 5}, deterministic=False)
    assert not repeatable({"prompt": "x", "seed": 5}, deterministic=False, seed_chosen=False)
    assert not repeatable({"prompt": "x"}, deterministic=False)
    assert not repeatable({"prompt": "x", "seed": None}, deterministic=False)
    assert not repeatable({"prompt": "x", "seed": True}, deterministic=False)
    assert repeatable({"image": "x"}, deterministic=True)


def test_find_cached_returns_the_saved_result(store: RunStore, outputs: Path) -> None:
    k = key(prompt="a fox", seed=1)
    out = saved(outputs, png(), "1234123412341234.png")
    record = store.record(finished(cache_key=k, output=[out]), OWNER_A)
    assert store.find_cached(k, A) == record
    assert store.find_cached(key(prompt="a fox", seed=2), A) is None
    assert store.find_cached(None, A) is None


def test_failed_runs_and_runs_with_missing_files_are_not_served(store: RunStore,
                                                                outputs: Path) -> None:
    k = key(prompt="a cat", seed=1)
    store.record(finished(cache_key=k, status="failed", error="boom"), OWNER_A)
    assert store.find_cached(k, A) is None
    out = saved(outputs, png((3, 3, 3)), "4321432143214321.png")
    store.record(finished(cache_key=k, output=[out]), OWNER_A)
    out.unlink()  # removed behind the history's back
    assert store.find_cached(k, A) is None
