"""constraints.txt is what the tests run on: every pinned package installed at its version."""

from __future__ import annotations

import importlib.metadata
import os
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parents[1]


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version and re.fullmatch(r"[A-Za-z0-9_.+!-]+", version), line
            pins[canonicalize_name(name)] = version
    return pins


def test_every_requirement_of_the_project_is_locked() -> None:
    locked = _locked()
    for line in importlib.metadata.requires("replicate-playground") or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is not None and not any(marker.evaluate({"extra": extra})
                                           for extra in ("test", "cog")):
            continue
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is not in constraints.txt (run make lock)"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"constraints.txt pins {name}=={locked[name]}, outside {requirement}")


def test_the_installed_versions_are_the_locked_ones() -> None:
    # scripts/test-gradio-newest.sh runs the suite with Gradio unlocked on purpose
    unlocked = {canonicalize_name(n) for n in os.environ.get("PLAYGROUND_TEST_UNLOCKED", "")
                .split(",") if n}
    if unlocked & {"gradio"}:
        unlocked |= {"gradio-client"}
    wrong = {}
    for name, version in _locked().items():
        if name in unlocked:
            continue
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (version, installed)
    assert not wrong, f"installed versions differ from constraints.txt (locked, installed): {wrong}"
