"""Validate JSON responses against Replicate's published OpenAPI document.

Reusable: `check_response(method, url_path, status, body)` raises `jsonschema.ValidationError`
when `body` does not match the documented response of that operation. Adjustments to the spec,
each deliberate:
- `nullable: true` (an OpenAPI 3.0 keyword left in this 3.1 document) allows null;
- optional properties are not made nullable: what the document types as a string is a
  string or absent (Replicate omits `started_at` until a prediction starts);
- `aborted` is removed from the prediction status enum: clients choke on it, never send it;
- error responses (4xx without a documented schema) must be problem+json {title, detail, status}.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parent.parent / "fixtures" / "replicate-openapi.json"

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["title", "detail", "status"],
    "properties": {
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "status": {"type": "integer"},
        "invalid_fields": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "field", "description"],
                "properties": {k: {"type": "string"} for k in ("type", "field", "description")},
            },
        },
    },
}


def _allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return {**schema, "type": [*kinds, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def _adjust(node: Any) -> Any:
    if isinstance(node, list):
        return [_adjust(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _adjust(v) for k, v in node.items()}
    if node.pop("nullable", False):
        node = _allow_null(node)
    return node


@cache
def spec() -> dict[str, Any]:
    raw = json.loads(SPEC_PATH.read_text())
    status = raw["components"]["schemas"]["schemas_prediction_response"]["properties"]["status"]
    status["enum"] = [s for s in status["enum"] if s != "aborted"]
    return _adjust(copy.deepcopy(raw))


@cache
def _registry() -> Registry:
    resource = Resource.from_contents(spec(), default_specification=DRAFT202012)
    return Registry().with_resource("urn:replicate", resource)


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")


def find_operation(method: str, url_path: str) -> dict[str, Any] | None:
    path = url_path.split("?", 1)[0].removeprefix("/v1")
    candidates = [t for t in spec()["paths"] if _template_regex(t).match(path)]
    # prefer the most literal template (`/predictions/{id}/cancel` over `/{a}/{b}/{c}`)
    candidates.sort(key=lambda t: t.count("{"))
    for template in candidates:
        operation = spec()["paths"][template].get(method.lower())
        if operation:
            return operation
    return None


def response_schema(method: str, url_path: str, status: int) -> dict[str, Any] | None:
    operation = find_operation(method, url_path)
    if status >= 400:
        documented = (operation or {}).get("responses", {}).get(str(status), {})
        content = documented.get("content", {})
        if "application/problem+json" in content:
            return {"allOf": [PROBLEM_SCHEMA, content["application/problem+json"]["schema"]]}
        return PROBLEM_SCHEMA
    if operation is None:
        raise AssertionError(f"{method} {url_path} is not in Replicate's OpenAPI document")
    response = operation["responses"].get(str(status))
    if response is None:
        raise AssertionError(f"{method} {url_path}: status {status} is not documented")
    content = response.get("content", {})
    for media in ("application/json", "application/problem+json"):
        if media in content:
            return content[media]["schema"]  # type: ignore[no-any-return]
    return None


def check_response(method: str, url_path: str, status: int, body: Any) -> None:
    """Raise jsonschema.ValidationError/AssertionError when `body` breaks the spec."""
    schema = response_schema(method, url_path, status)
    if schema is None:
        return
    wrapped = {**schema, "$id": "urn:check"}
    text = json.dumps(wrapped).replace('"#/components/', '"urn:replicate#/components/')
    wrapped = json.loads(text)
    validator = jsonschema.Draft202012Validator(wrapped, registry=_registry())
    validator.validate(body)
