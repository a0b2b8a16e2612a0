"""The layers hold: `ui/` and `compare/` talk to the service alone, and the UI catches errors
by type. Checked over the source, so the rule holds from now on."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PLAYGROUND = Path(__file__).parents[2] / "playground"
# ui/ may import gradio, the standard library, the service (and what it re-exports), the
# presets, the results, the task table, compare (the same layer, itself on the service) and
# itself.
UI_MAY = ("gradio", "playground.service", "playground.presets", "playground.results",
          "playground.tasks", "playground.compare", "playground.ui", "playground.background")
THIRD_PARTY_UI = {"PIL", "gradio", "pydantic", "packaging", "starlette"}  # PIL: an output
# image's size; pydantic: what Gradio raises for a payload that fits no field; packaging: the
# supported Gradio range (ui/gradio_compat.py, ui/gradio_version.py); starlette: the owner
# cookie's middleware on Gradio's own app (ui/serving/browser_cookie.py, ui/app.py)
LOWER = ("playground.replicate", "playground.engine", "playground.files")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def _sources(package: str) -> list[Path]:
    return sorted((PLAYGROUND / package).rglob("*.py"))


@pytest.mark.parametrize("path", _sources("ui"), ids=lambda p: str(p.relative_to(PLAYGROUND)))
def test_ui_imports_only_the_service(path: Path) -> None:
    wrong = []
    for name in _imports(path):
        top = name.split(".")[0]
        if name.startswith(UI_MAY) or top in sys.stdlib_module_names or top in THIRD_PARTY_UI:
            continue
        if name == "__future__":
            continue
        wrong.append(name)
    assert not wrong, f"{path.name} imports {wrong}: go through playground.service"


@pytest.mark.parametrize("path", _sources("compare"), ids=lambda p: str(p.relative_to(PLAYGROUND)))
def test_compare_never_reaches_below_the_service(path: Path) -> None:
    wrong = [n for n in _imports(path) if n.startswith((*LOWER, "playground.ui"))]
    assert not wrong, f"{path.name} imports {wrong}"


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


def test_the_engine_imports_nothing_above_it() -> None:
    for path in (PLAYGROUND / "engine").rglob("*.py"):
        wrong = [n for n in _imports(path)
                 if n.startswith(("playground.ui", "playground.service", "playground.compare"))]
        assert not wrong, f"{path} imports {wrong}"
