"""The import graph, read from the source: one way down, no circles.

Each part of `playground` may import only the parts its row allows (an allow-list, so a new
import across parts is a decision made here, not by accident); docs/ARCHITECTURE.md draws the
same layers. Modules of one part import each other freely, but never in a circle. The page's
parts (`ui/`) and Compare also have a list of the outside libraries they may use."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PLAYGROUND = Path(__file__).parents[1] / "playground"

# part -> the parts it may import. A part is a package (`service`) or a top-level module
# (`presets`); "playground" is the package's own __init__ (its version).
ALLOWED: dict[str, set[str]] = {
    "playground": set(),
    "config": set(),  # data and cache directories: anyone may import it
    "background": set(),
    "chat_prompt": set(),
    "_snippet_values": set(),
    "replicate": {"playground"},  # the client: the bottom
    "addresses": set(),  # which addresses are public (the engine's and the app's fetches)
    "results": {"replicate"},
    "files": {"replicate", "addresses"},
    "forms": set(),
    "presets": {"chat_prompt", "tasks"},
    "tasks": set(),
    "demo": set(),  # the demo file, read and checked (the service's gate enforces it)
    "listening": set(),  # the port, the logins, who may reach the app (cli.py decides)
    "run_code": {"_snippet_values", "forms"},
    "history": {"files", "forms", "results"},
    "service": {"playground", "background", "chat_prompt", "config", "demo", "files", "forms",
                "history", "presets", "replicate", "results", "run_code", "tasks"},
    # addresses: a prompt set's file URLs checked as the fetches check them (set_files.py)
    "compare": {"addresses", "config", "forms", "results", "presets", "run_code", "tasks",
                "service"},
    # the page: the service, and the pure parts it shows (forms, results, presets, the table,
    # a run as code) and config's served folders; never the client, files, history or engine
    "ui": {"background", "compare", "config", "demo", "forms", "presets", "results",
           "run_code", "service", "tasks"},
    # compare/ and history/ are below ui/ and use no gradio (THIRD_PARTY)
    "engine": {"config", "addresses"},  # reached only over HTTP: nothing above it
    "cli": {"config", "compare", "demo", "engine", "history", "listening", "service", "ui"},
    "__main__": {"cli"},
}


def _name(path: Path) -> str:
    parts = list(path.relative_to(PLAYGROUND.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in PLAYGROUND.rglob("*.py")}


def _imports(name: str, path: Path) -> set[str]:
    """The playground modules `name` imports (`from pkg import sub` counts as `pkg.sub`)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in MODULES}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            subs = {f"{module}.{a.name}" for a in node.names} & MODULES.keys()
            found |= subs if len(subs) == len(node.names) else ({module} & MODULES.keys()) | subs
    found.discard(name)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _part(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "playground"


# The outside libraries a part may import (the standard library always): the page's only
# through gradio, and none of the HTTP or model libraries below the service.
THIRD_PARTY: dict[str, set[str]] = {
    # PIL: an output image's size; pydantic: what Gradio raises for a payload that fits no
    # field; packaging: the supported Gradio range; starlette: the owner cookie's middleware
    # segno: the host's join link as a QR code
    "ui": {"gradio", "PIL", "pydantic", "packaging", "starlette", "segno"},
    "compare": {"pydantic", "PIL"},
    "history": {"PIL"},
}


def _third_party(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module] if isinstance(node, ast.ImportFrom) and not node.level
                 and node.module else [])
        found |= {n.split(".")[0] for n in names}
    return {n for n in found
            if n not in sys.stdlib_module_names and n not in ("playground", "__future__")}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _part(n) in THIRD_PARTY))
def test_outside_libraries_only_where_allowed(name: str) -> None:
    wrong = _third_party(MODULES[name]) - THIRD_PARTY[_part(name)]
    assert not wrong, f"{name} imports {sorted(wrong)} (see THIRD_PARTY)"


def test_every_part_is_on_the_list() -> None:
    assert {_part(n) for n in MODULES} <= ALLOWED.keys()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_only_where_allowed(name: str) -> None:
    part = _part(name)
    wrong = sorted(t for t in GRAPH[name]
                   if _part(t) != part and _part(t) not in ALLOWED.get(part, set()))
    assert not wrong, f"{name} imports {wrong}: not allowed for {part}/ (see ALLOWED)"


def test_no_circles() -> None:
    """Tarjan's strongly connected components: any with two or more modules is a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            circle = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                circle.append(top)
                if top == node:
                    break
            if len(circle) > 1:
                circles.append(sorted(circle))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    assert circles == []
