"""A model that cannot run at all says why, rather than judging the input it was sent."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import httpx

from playground.engine.inputs import validate
from playground.engine.models.sd_turbo import SDTurbo
from playground.engine.schema import input_schema

ROOT = Path(__file__).resolve().parents[2]
SDXL = "stability-ai/sdxl:39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"


def sdxl_preset_input() -> dict[str, Any]:
    """Every default of the pinned SDXL schema, with the SDXL preset's defaults over them."""
    seed = json.loads((ROOT / "tests/fixtures/seed-model-schemas.json").read_text())[SDXL]
    full = {name: prop["default"] for name, prop in seed["input"]["properties"].items()
            if "default" in prop}
    preset = tomllib.loads((ROOT / "presets/image.toml").read_text())["preset"][0]
    assert preset["model"] == SDXL and preset["local_model"] == "local/sd-turbo"
    full.update(preset["defaults"])
    assert {"refine", "apply_watermark", "lora_scale", "high_noise_frac"} <= set(full)
    return full


def test_sd_turbo_takes_the_sdxl_input_names() -> None:
    model = SDTurbo()
    schema = input_schema(model)
    seed = json.loads((ROOT / "tests/fixtures/seed-model-schemas.json").read_text())[SDXL]
    assert set(schema["properties"]) == set(seed["input"]["properties"])
    validate(schema, model.Input, sdxl_preset_input())  # raises InvalidInput on a 422


def test_sdxl_preset_on_sd_turbo_explains_it_is_not_available(make_engine: Any) -> None:
    engine = make_engine(models=[SDTurbo()])
    with httpx.Client(base_url=engine.url, timeout=30) as c:
        r = c.post("/v1/models/local/sd-turbo/predictions",
                   json={"input": sdxl_preset_input()}, headers={"Prefer": "wait"})
    assert r.status_code == 201, r.text
    pred = r.json()
    assert pred["status"] == "failed"
    assert "text-to-image is not available locally" in pred["error"]


def test_unavailable_model_validates_first_then_explains(client: httpx.Client) -> None:
    # a bad input is a 422 whether or not the model can run: nothing is created for it
    r = client.post("/v1/models/test/off/predictions",
                    json={"input": {"prompt": 3, "width": 1024}}, headers={"Prefer": "wait"})
    assert r.status_code == 422, r.text
    assert {f["field"] for f in r.json()["invalid_fields"]} == {"input.prompt", "input"}
    assert client.post("/v1/models/test/off/predictions",
                       json={"input": "not an object"}).status_code == 422
    assert client.get("/v1/predictions").json()["results"] == []
    # a good one is created and fails with the reason
    r = client.post("/v1/models/test/off/predictions", json={"input": {"prompt": "hi"}},
                    headers={"Prefer": "wait"})
    assert r.status_code == 201, r.text
    assert "playground models pull off" in r.json()["error"]


def test_sd_turbo_checks_its_input_before_saying_it_is_unavailable(make_engine: Any) -> None:
    engine = make_engine(models=[SDTurbo()])
    with httpx.Client(base_url=engine.url, timeout=30) as c:
        r = c.post("/v1/models/local/sd-turbo/predictions", json={"input": {"width": "abc"}})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["invalid_fields"][0]["field"] == "input.width"
        assert c.get("/v1/predictions").json()["results"] == []
