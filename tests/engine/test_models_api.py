"""Models and versions: the Cog-style schema generated from each model's pydantic Input."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx


def test_model_object(client: httpx.Client) -> None:
    m = client.get("/v1/models/test/echo").json()
    for key in ("url", "owner", "name", "description", "visibility", "run_count",
                "latest_version", "default_example", "cover_image_url", "github_url",
                "paper_url", "license_url"):
        assert key in m
    assert m["url"].startswith("http://") and m["run_count"] == 0
    assert client.get("/v1/models/test/nope").status_code == 404
    assert client.get("/v1/models/test/echo/versions/" + "0" * 64).status_code == 404


def test_version_schema(client: httpx.Client) -> None:
    versions = client.get("/v1/models/test/echo/versions").json()
    assert versions["next"] is None and len(versions["results"]) == 1
    v = versions["results"][0]
    assert client.get(f"/v1/models/test/echo/versions/{v['id']}").json() == v
    schema = v["openapi_schema"]
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()
    assert v["id"] == hashlib.sha256(canonical).hexdigest()
    assert isinstance(v["cog_version"], str)
    inp = schema["components"]["schemas"]["Input"]
    props = inp["properties"]
    assert inp["required"] == ["prompt"]
    assert [props[k]["x-order"] for k in ("prompt", "repeat", "case", "temperature", "seed")] \
        == [0, 1, 2, 3, 4]
    assert props["prompt"] == {"type": "string", "title": "Prompt", "description": "Text to echo",
                               "x-order": 0}
    assert props["repeat"]["minimum"] == 1 and props["repeat"]["maximum"] == 5
    assert props["repeat"]["default"] == 1
    assert props["temperature"]["minimum"] == 0  # 0 is a real bound
    assert props["case"]["enum"] == ["lower", "upper"] and props["case"]["default"] == "lower"
    assert props["seed"]["type"] == "integer" and "default" not in props["seed"]
    assert "anyOf" not in props["seed"]
    assert schema["components"]["schemas"]["Output"]["type"] == "string"


def test_file_and_stream_hints(client: httpx.Client) -> None:
    inv = client.get("/v1/models/test/invert").json()["latest_version"]["openapi_schema"]
    image = inv["components"]["schemas"]["Input"]["properties"]["image"]
    assert image["type"] == "string" and image["format"] == "uri"
    assert inv["components"]["schemas"]["Output"]["format"] == "uri"
    cnt = client.get("/v1/models/test/counter").json()["latest_version"]["openapi_schema"]
    out = cnt["components"]["schemas"]["Output"]
    assert out["x-cog-array-type"] == "iterator" and out["x-cog-array-display"] == "concatenate"
    assert out["items"] == {"type": "string"}


def test_models_list_pages(client: httpx.Client) -> None:
    page = client.get("/v1/models", params={"page_size": 3}).json()
    names = [m["name"] for m in page["results"]]
    while page["next"]:
        assert page["next"].startswith("http://")
        page = client.get(page["next"]).json()
        names += [m["name"] for m in page["results"]]
    assert names == ["echo", "counter", "invert", "slow", "boom", "off", "noop"]


def test_list_schema_enums_and_arrays(make_engine: Any) -> None:
    from .models import Many

    engine = make_engine(models=[Many()])
    with httpx.Client(base_url=engine.url) as c:
        schema = c.get("/v1/models/test/many").json()["latest_version"]["openapi_schema"]
        props = schema["components"]["schemas"]["Input"]["properties"]
        assert props["images"]["items"]["format"] == "uri"
        assert props["size"]["enum"] == [256, 512]
        assert props["api_key"]["x-cog-secret"] is True
        uri = "data:text/plain;base64,aGk="
        pred = c.post("/v1/models/test/many/predictions",
                      json={"input": {"images": [uri, uri]}}, headers={"Prefer": "wait"}).json()
        assert pred["status"] == "succeeded", pred["error"]
        assert pred["output"] == [uri, uri]
        bad = c.post("/v1/models/test/many/predictions", json={"input": {"images": [1]}})
        assert bad.status_code == 422
        assert bad.json()["invalid_fields"][0]["field"] == "input.images.0"
