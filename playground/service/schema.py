"""A model version's inputs, read from its OpenAPI schema (for cutting inputs and for forms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def resolve(prop: dict[str, Any], components: dict[str, Any] | None) -> dict[str, Any]:
    """A property with Cog's `allOf: [{$ref: #/components/schemas/X}]` (enums) inlined."""
    prop = dict(prop)
    for branch in prop.pop("allOf", []):
        ref = branch.get("$ref", "") if isinstance(branch, dict) else ""
        target = (components or {}).get(ref.rsplit("/", 1)[-1], {}) if ref else branch
        prop = {**target, **prop}
    return prop


@dataclass(frozen=True)
class InputSchema:
    """The `Input` object of a version's schema: each property with its enums inlined, in the
    model's own order (`x-order`)."""

    ref: str  # owner/name:version as looked up
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    required: tuple[str, ...] = ()

    @classmethod
    def from_openapi(cls, ref: str, openapi: dict[str, Any] | None) -> InputSchema | None:
        components = ((openapi or {}).get("components") or {}).get("schemas") or {}
        raw = components.get("Input") if isinstance(components, dict) else None
        props = raw.get("properties") if isinstance(raw, dict) else None
        if not isinstance(props, dict):
            return None
        resolved = {name: resolve(p, components) for name, p in props.items()
                    if isinstance(p, dict)}
        ordered = dict(sorted(resolved.items(),
                              key=lambda kv: _order(kv[1].get("x-order"))))
        required = tuple(str(r) for r in raw.get("required") or [] if isinstance(r, str))
        return cls(ref, ordered, required)

    @property
    def names(self) -> set[str]:
        return set(self.properties)

    @property
    def file_inputs(self) -> list[str]:
        """Inputs that take a file (`format: uri`)."""
        return [k for k, v in self.properties.items() if v.get("format") == "uri"]


def _order(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else float("inf")
