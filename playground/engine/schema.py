"""A model's version: the Cog-style `openapi_schema` derived from its pydantic `Input`.

The version id is the sha256 of that schema, so it changes exactly when the interface does.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from .models.base import EngineModel

COG_VERSION = "0.16.0"


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = copy.deepcopy(defs[ref.rsplit("/", 1)[1]])
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return _inline_refs({**target, **rest}, defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def _cogify(prop: dict[str, Any]) -> dict[str, Any]:
    """Pydantic's JSON schema -> the flat hints Cog emits (`format: uri`, no null branches)."""
    prop = dict(prop)
    any_of = prop.get("anyOf")
    if isinstance(any_of, list):
        non_null = [b for b in any_of if b.get("type") != "null"]
        if len(non_null) == 1:
            del prop["anyOf"]
            prop = {**non_null[0], **prop}
    if prop.get("default", 0) is None:
        del prop["default"]
    if len(prop.get("allOf", [])) == 1:
        prop = {**prop.pop("allOf")[0], **prop}
    if prop.get("format") == "path":
        prop["format"] = "uri"
    if isinstance(prop.get("items"), dict):
        prop["items"] = _cogify(prop["items"])
    return prop


def input_schema(model: EngineModel) -> dict[str, Any]:
    raw = model.Input.model_json_schema()
    raw = _inline_refs(raw, raw.get("$defs", {}))
    props: dict[str, Any] = {}
    for order, (name, prop) in enumerate(raw.get("properties", {}).items()):
        props[name] = {**_cogify(prop), "x-order": order}
    schema: dict[str, Any] = {"type": "object", "title": "Input", "properties": props}
    required = raw.get("required", [])
    if required:
        schema["required"] = list(required)
    return schema


def openapi_schema(model: EngineModel) -> dict[str, Any]:
    own = model.openapi()
    if own is not None:
        return own
    output = {"title": "Output", **model.output_schema}
    return {
        "openapi": "3.0.2",
        "info": {"title": "Cog", "version": "0.1.0"},
        "paths": {},
        "components": {"schemas": {"Input": input_schema(model), "Output": output}},
    }


def version_id(schema: dict[str, Any]) -> str:
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
