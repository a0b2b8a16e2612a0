"""A Cog predictor's `openapi_schema`, written by Cog's own (private) inspector.

Run as a script with the predictor's Python (`python inspect_predictor.py DIR FILE:CLASS`),
never imported by the engine: it imports the author's `predict.py`, which may do anything, and
only `cog` and the standard library are there. It prints one JSON line: `{"schema": {...}}`, or
`{"error": "..."}` when the predictor cannot be imported or described.

PRIVATE API: the Go `cog build` writes `.cog/openapi_schema.json` and is not on PyPI, so the
schema comes from `cog._inspector._create_predictor_info` and the `json_type()` of its fields
(the calls `cog build` itself makes through the SDK). They are private to cog, so this is the one
place that uses them, and only for the cog version it was written against (TESTED_COG); any other
version is refused with a message naming it.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

TESTED_COG = "0.23.1"


def _input_schema(info: Any) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required: list[str] = []
    for name, field in info.inputs.items():
        prop: dict[str, Any] = {"title": name.replace("_", " ").title(),
                                **field.type.json_type(), "x-order": field.order}
        default = field.default
        if isinstance(default, dataclasses.Field):  # Cog's own way of saying "no default"
            if default.default_factory is not dataclasses.MISSING:
                default = default.default_factory()
            else:
                default = None if default.default is dataclasses.MISSING else default.default
        if default is not None:
            prop["default"] = default
        elif field.type.repetition.name in ("REQUIRED", "REPEATED"):  # as cog checks it
            required.append(name)
        if field.description:
            prop["description"] = field.description
        for key, attr in (("minimum", "ge"), ("maximum", "le"), ("minLength", "min_length"),
                          ("maxLength", "max_length"), ("pattern", "regex")):
            value = getattr(field, attr, None)
            if value is not None:  # Cog stores bounds as floats; an integer's stay integers
                whole = prop.get("type") == "integer" and float(value).is_integer()
                prop[key] = int(value) if whole else value
        if field.choices:
            prop["enum"] = list(field.choices)
        if field.deprecated:
            prop["deprecated"] = True
        props[name] = prop
    schema: dict[str, Any] = {"type": "object", "title": "Input", "properties": props}
    if required:
        schema["required"] = required
    return schema


def describe(directory: Path, ref: str) -> dict[str, Any]:
    import cog

    version = getattr(cog, "__version__", "") or _dist_version()
    if version != TESTED_COG:
        raise RuntimeError(f"cog {version} is installed; this engine reads predictors with "
                           f"cog=={TESTED_COG} (pip install 'cog=={TESTED_COG}')")
    from cog import _inspector

    file, _, cls_name = ref.partition(":")
    path = (directory / file).resolve()
    sys.path.insert(0, str(directory.resolve()))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise RuntimeError(f"{file} has no {cls_name}")
    method = "run" if "run" in vars(cls) or not hasattr(cls, "predict") else "predict"
    info = _inspector._create_predictor_info(path.stem, cls_name, getattr(cls, method),
                                             method, True)
    output = info.output.json_type()
    return {
        "openapi": "3.0.2",
        "info": {"title": "Cog", "version": "0.1.0"},
        # coglet streams (SSE) only when the schema says so
        "paths": {"/predictions": {"post": {"x-cog-streaming": True}}},
        "components": {"schemas": {"Input": _input_schema(info),
                                   "Output": {"title": "Output", **output}}},
    }


def _dist_version() -> str:
    from importlib.metadata import version

    return version("cog")


def main() -> None:
    directory, ref = Path(sys.argv[1]), sys.argv[2]
    try:
        result: dict[str, Any] = {"schema": describe(directory, ref)}
    except BaseException as exc:  # the author's import may raise anything, even SystemExit
        result = {"error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write("\n" + json.dumps(result, default=str) + "\n")


if __name__ == "__main__":
    main()
