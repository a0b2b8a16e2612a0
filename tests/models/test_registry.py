"""The registry and the contract with the Replicate models each local model stands in for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from playground.engine.models import registry
from playground.engine.models.base import ModelUnavailable

pytestmark = pytest.mark.models

SEEDS = json.loads((Path(__file__).parents[1] / "fixtures" / "seed-model-schemas.json").read_text())
STANDS_IN = {
    "local/smollm2-135m-instruct": "meta/meta-llama-3.1-405b-instruct",
    "local/whisper-tiny-en": "openai/whisper:4d50797290",
    "local/real-esrgan": "nightmareai/real-esrgan:42fed1c497",
    "local/rembg": "cjwbw/rembg:fb8af171cf",
    "local/face-enhance": "tencentarc/gfpgan:9283608cc6",
    "local/sd-turbo": "stability-ai/sdxl:39ed52f2a7",
}  # seed keys, by prefix


def seed_for(ref: str) -> dict:
    [key] = [k for k in SEEDS if k.startswith(STANDS_IN[ref])]
    return SEEDS[key]


def test_registry_gives_fresh_instances_of_every_model() -> None:
    first, second = registry(), registry()
    assert [m.ref for m in first] == list(STANDS_IN)
    assert all(a is not b for a, b in zip(first, second, strict=True))


@pytest.mark.parametrize("ref", list(STANDS_IN))
def test_inputs_and_output_match_the_replicate_model(ref: str) -> None:
    model = {m.ref: m for m in registry()}[ref]
    seed = seed_for(ref)
    assert model.stands_in_for == STANDS_IN[ref].split(":")[0]
    ours = model.Input.model_json_schema()["properties"]
    theirs = seed["input"]["properties"]
    assert set(theirs) <= set(ours), set(theirs) - set(ours)
    for name, prop in ours.items():
        assert prop.get("description"), f"{ref}.{name} has no description"
        assert "x-order" in prop
        # (cjwbw/rembg's `image` defaults to "": a file input that is required in practice)
        # (sd-turbo keeps its own smaller sizes and steps: defaults of a model that cannot run)
        if name in theirs and theirs[name].get("default", "") != "" and ref != "local/sd-turbo":
            assert prop.get("default") == theirs[name]["default"], name
    output = seed["output"]
    if "$ref" in output:
        output = seed["components"][output["$ref"].rsplit("/", 1)[1]]
    assert model.output_schema["type"] == output["type"]
    if output["type"] == "object":
        assert set(model.output_schema["properties"]) == set(output["properties"])
    assert model.streams == (output.get("x-cog-array-type") == "iterator")


def test_missing_weights_answer_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLAYGROUND_CACHE_DIR", str(tmp_path / "empty-cache"))
    store_name = {"face-enhance": "real-esrgan"}
    for model in registry():
        reason = model.availability()
        assert reason, model.ref
        if model.name == "sd-turbo":
            assert "no PyPI package carries diffusion weights" in reason
            continue
        assert f"playground models pull {store_name.get(model.name, model.name)}" in reason
        with pytest.raises(ModelUnavailable, match="playground models pull"):
            model.load(None)  # type: ignore[arg-type]  # refuses before touching ctx
