"""Every local model's schema says what the model takes: for each input, boundary and hostile
values (the bounds, just past them, 0, huge, negative, empty, malformed) either run to a good
result or are refused with a 422 naming the input; never a failed prediction from a value the
published schema accepted. What the schema accepts is read from the engine itself
(`openapi_schema`) and checked with jsonschema, so a tightened or loosened range is tested
as it is published."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from playground.engine.server import EngineThread

pytestmark = [pytest.mark.models, pytest.mark.timeout(600)]

HUGE = 1e30
# local/sd-turbo is left out: it never runs (no weights exist offline), whatever it is sent.
MODELS = ["smollm2-135m-instruct", "whisper-tiny-en", "real-esrgan", "rembg", "face-enhance"]
# The value the engine reports for each model's own file input.
FILES = {"whisper-tiny-en": ("audio", "speech", "audio/wav"),
         "real-esrgan": ("image", "tiny", "image/png"), "rembg": ("image", "tiny", "image/png"),
         "face-enhance": ("img", "tiny", "image/png")}
# Short runs: a few tokens, or up to the first space when max_tokens itself is large.
CHAT = {"prompt": "Say hello.", "max_tokens": 4, "stop_sequences": " "}


def _uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()


def _numbers(prop: dict[str, Any]) -> list[float]:
    """The bounds, just inside and just past them, 0, +-1, and the huge ones."""
    values: list[float] = [0, 1, -1, HUGE, -HUGE, 0.5, 1e-300]
    for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if key in prop:
            edge = prop[key]
            values += [edge, edge - 1, edge + 1, edge * 10, edge - 1e-9, edge + 1e-9]
    if prop.get("type") == "integer":
        values = [v for v in values if float(v).is_integer()] + [2**32 - 1, 2**32, 2**63,
                                                                  2**64]
    return sorted(set(values), key=float)


def _values(name: str, prop: dict[str, Any]) -> list[Any]:
    if "enum" in prop:
        return [prop["enum"][0], prop["enum"][-1], "not-a-choice", ""]
    kind = prop.get("type")
    if kind in ("number", "integer"):
        return _numbers(prop)
    if kind == "boolean":
        return [True, False]
    if kind == "string":
        # (for whisper's suppress_tokens, an id past the vocabulary, 51864 or 2147483647, made
        # CTranslate2 write past its buffer: the engine's process died of a segfault)
        return ["", " ", ",", "a,b", "-1", "-2", "0", "51863", "51864", "2147483647",
                "99999999999999999999", "{x}{", "1,,2"]
    return []


def _outcome(client: httpx.Client, model: str, inputs: dict[str, Any]) -> tuple[str, Any]:
    """("422", fields named) or (final status, error)."""
    r = client.post(f"/v1/models/local/{model}/predictions", json={"input": inputs})
    if r.status_code == 422:
        return "422", {f.get("field") for f in r.json().get("invalid_fields", [])}
    assert r.status_code == 201, r.text
    p = r.json()
    for _ in range(6000):  # bounds a hang only: nothing here is timed
        if p["status"] in ("succeeded", "failed", "canceled"):
            break
        time.sleep(0.1)
        p = client.get(f"/v1/predictions/{p['id']}").json()
    return p["status"], p.get("error")


@pytest.mark.parametrize("model", MODELS)
def test_every_input_gets_a_good_run_or_a_422_naming_it(
        engine: EngineThread, media: dict[str, Path], model: str) -> None:
    client = httpx.Client(base_url=engine.url, timeout=120)
    schema = client.get(f"/v1/models/local/{model}").json()["latest_version"][
        "openapi_schema"]["components"]["schemas"]["Input"]
    base: dict[str, Any] = dict(CHAT) if model == "smollm2-135m-instruct" else {}
    if model in FILES:
        name, key, mime = FILES[model]
        base[name] = _uri(media[key], mime)
    wrong: list[str] = []
    tried = 0
    for name, prop in schema["properties"].items():
        if prop.get("format") == "uri":
            continue  # the file inputs: their contents are another test's subject
        for value in _values(name, prop):
            accepted = jsonschema.Draft202012Validator(prop).is_valid(value)
            status, detail = _outcome(client, model, {**base, name: value})
            tried += 1
            if accepted and status != "succeeded":
                wrong.append(f"{name}={value!r}: the schema takes it, the run {status}: {detail}")
            elif not accepted and (status != "422" or f"input.{name}" not in detail):
                wrong.append(f"{name}={value!r}: the schema refuses it, yet {status} {detail}")
    assert tried, "no input of this model was tried"
    assert not wrong, "\n".join(wrong)
