"""The UI and Compare catch errors by type and read typed fields (never probe an object for
what it might hold). Checked over the source, so the rule holds from now on; which modules may
import which is tests/test_layers.py."""

from __future__ import annotations

from pathlib import Path

import pytest

PLAYGROUND = Path(__file__).parents[2] / "playground"


def _sources(package: str) -> list[Path]:
    return sorted((PLAYGROUND / package).rglob("*.py"))


@pytest.mark.parametrize("path", [*_sources("ui"), *_sources("compare")],
                         ids=lambda p: str(p.relative_to(PLAYGROUND)))
def test_no_probing_of_service_objects(path: Path) -> None:
    """Typed fields, not `getattr(result, "x", None)`; errors by type, not by class name."""
    text = path.read_text(encoding="utf-8")
    assert "hasattr(" not in text, path.name
    assert "SimpleNamespace" not in text, path.name
    assert "__mro__" not in text, path.name  # matching errors by their class names
    probes = [line.strip() for line in text.splitlines() if "getattr(" in line]
    assert not probes, f"{path.name}: {probes}"
