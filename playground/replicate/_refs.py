"""Model references: a version id, `owner/name:version` or `owner/name`."""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION_ID = re.compile(r"^[0-9a-f]{64}$")
_OWNER_NAME = re.compile(r"^([A-Za-z0-9][\w.-]*)/([A-Za-z0-9][\w.-]*)$")


@dataclass(frozen=True)
class Ref:
    owner: str | None
    name: str | None
    version: str | None

    @property
    def model(self) -> str | None:
        return f"{self.owner}/{self.name}" if self.owner and self.name else None


def parse_ref(ref: str) -> Ref:
    """Split a reference; raises ValueError (naming the reference) when it is malformed."""
    ref = ref.strip()
    if _VERSION_ID.match(ref):
        return Ref(None, None, ref)
    model, sep, version = ref.partition(":")
    match = _OWNER_NAME.match(model)
    if not match or (sep and not version):
        raise ValueError(
            f"not a model reference: {ref!r} (expected a 64-character version id, "
            "'owner/name' or 'owner/name:version')"
        )
    return Ref(match.group(1), match.group(2), version or None)


def parse_model(ref: str) -> tuple[str, str]:
    """`owner/name` (a version suffix is not allowed here)."""
    parsed = parse_ref(ref)
    if parsed.owner is None or parsed.name is None or parsed.version is not None:
        raise ValueError(f"expected 'owner/name', got {ref!r}")
    return parsed.owner, parsed.name
