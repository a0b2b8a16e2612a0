"""Test-side checks: a preset's inputs against a schema, and the transcript a chat model reads.

They judge the production code from outside, so they live with the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from playground.chat_prompt import TEMPLATES, ChatFormat, Turn, render_prompt
from playground.service.schema import resolve

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list,), "object": (dict,),
}


def render_transcript(fmt: ChatFormat, system_prompt: str, history: Sequence[Turn],
                      message: str, template: str | None = None) -> str:
    """The full text the model will read once it wraps `prompt` in its template."""
    template = template or TEMPLATES.get(fmt, "{system_prompt}\n\n{prompt}")
    prompt = render_prompt(fmt, history, message)
    return template.replace("{system_prompt}", system_prompt).replace("{prompt}", prompt)


def check_inputs(inputs: dict[str, Any], input_schema: dict[str, Any],
                 components: dict[str, Any] | None = None) -> list[str]:
    """What is wrong with `inputs` for a version's Input schema (names, types, enums, ranges)."""
    problems = []
    props = input_schema.get("properties", {})
    for name, value in inputs.items():
        if name not in props:
            problems.append(f"{name}: not an input of this model")
            continue
        prop = resolve(props[name], components)
        kind = prop.get("type")
        allowed = _JSON_TYPES.get(kind or "", (object,))
        if isinstance(value, bool) and kind in ("integer", "number") or not isinstance(
                value, allowed):
            problems.append(f"{name}: {value!r} is not of type {kind}")
            continue
        if "enum" in prop and value not in prop["enum"]:
            problems.append(f"{name}: {value!r} is not one of {prop['enum']}")
        if "minimum" in prop and value < prop["minimum"]:
            problems.append(f"{name}: {value!r} is below the minimum {prop['minimum']}")
        if "maximum" in prop and value > prop["maximum"]:
            problems.append(f"{name}: {value!r} is above the maximum {prop['maximum']}")
        if "exclusiveMinimum" in prop and value <= prop["exclusiveMinimum"]:
            problems.append(f"{name}: {value!r} must be above {prop['exclusiveMinimum']}")
    return problems
