"""The registry and the contract with the Replicate models each local model stands in for."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from playground.engine.models import registry
from playground.engine.models.base import ModelUnavailable
from playground.engine.schema import input_schema

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


# Where a local model takes less than the Replicate model it stands in for, and why: a range
# narrower than the real one must be needed (what the local runtime takes), or be a deliberate
# range of the setting; anything else would refuse what works on Replicate.
NARROWER = {
    ("local/smollm2-135m-instruct", "min_tokens"): "a count of tokens",
    ("local/smollm2-135m-instruct", "max_tokens"): "the model's 4096-token context (llama.cpp "
    "reads 0 and -1 as no limit at all)",
    ("local/smollm2-135m-instruct", "temperature"): "the usual range of the setting",
    ("local/smollm2-135m-instruct", "top_p"): "a probability",
    ("local/smollm2-135m-instruct", "top_k"): "llama.cpp keeps it as an int32 (and fails past "
    "64 bits, e.g. 1e30)",
    ("local/smollm2-135m-instruct", "presence_penalty"): "the usual range of the setting",
    ("local/smollm2-135m-instruct", "frequency_penalty"): "the usual range of the setting",
    ("local/whisper-tiny-en", "temperature"): "openai/whisper lists its temperatures up to 1.0 "
    "only: a higher one leaves it none",
    ("local/whisper-tiny-en", "temperature_increment_on_fallback"): "a step past 1.0 tries no "
    "second temperature",
    ("local/whisper-tiny-en", "patience"): "CTranslate2 needs 5 x patience to round to 1..2**64 "
    "hypotheses",
    ("local/whisper-tiny-en", "suppress_tokens"): "token ids of the model: a larger one made "
    "CTranslate2 crash the process",
    ("local/real-esrgan", "scale"): "0 makes no picture (the real model fails on it too)",
    ("local/face-enhance", "scale"): "a size the CPU face pass takes",
    ("local/sd-turbo", "width"): "SD-Turbo's sizes (it never runs here)",
    ("local/sd-turbo", "height"): "SD-Turbo's sizes (it never runs here)",
    ("local/sd-turbo", "num_inference_steps"): "SD-Turbo's steps (it never runs here)",
}


def _span(prop: dict) -> tuple[tuple[float, bool], tuple[float, bool]]:
    low = (prop.get("exclusiveMinimum", prop.get("minimum", -math.inf)),
           "exclusiveMinimum" in prop)
    high = (prop.get("exclusiveMaximum", prop.get("maximum", math.inf)),
            "exclusiveMaximum" in prop)
    return low, high


@pytest.mark.parametrize("ref", list(STANDS_IN))
def test_no_range_is_narrower_than_the_replicate_model_s_without_a_reason(ref: str) -> None:
    model = {m.ref: m for m in registry()}[ref]
    theirs = seed_for(ref)["input"]["properties"]
    narrower = set()
    for name, ours in input_schema(model)["properties"].items():
        if name not in theirs:
            continue
        (low, low_x), (high, high_x) = _span(ours)
        (their_low, their_low_x), (their_high, their_high_x) = _span(theirs[name])
        if (low > their_low or (low == their_low and low_x and not their_low_x)
                or high < their_high or (high == their_high and high_x and not their_high_x)
                or ("pattern" in ours and "pattern" not in theirs[name])):
            narrower.add(name)
    assert narrower == {name for (r, name) in NARROWER if r == ref}
