"""Which Gradio this app runs on: the supported range, checked before the page is built.

The range is the one pyproject.toml declares (read back from the installed package's metadata,
so it is written in one place); `scripts/test-gradio-newest.sh` tests its newest end and
constraints.txt pins what `make test` runs on. Nothing here imports gradio: the check must run
before a module that needs a newer one fails at import.
"""

from __future__ import annotations

import importlib.metadata

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

_PROJECT = "replicate-playground"


class UnsupportedGradio(RuntimeError):
    """The installed Gradio is outside the range this app was tested on."""


def supported_range() -> SpecifierSet:
    for line in importlib.metadata.requires(_PROJECT) or []:
        requirement = Requirement(line)
        if requirement.name == "gradio":
            return requirement.specifier
    raise UnsupportedGradio(f"{_PROJECT} declares no gradio requirement; reinstall it")


def gradio_problem(version: str, supported: SpecifierSet | None = None) -> str | None:
    """A plain sentence when `version` is outside the supported range, else None."""
    supported = supported if supported is not None else supported_range()
    try:
        ok = Version(version) in supported
    except InvalidVersion:
        ok = False
    if ok:
        return None
    wanted = ", ".join(sorted((str(s) for s in supported), key=lambda s: not s.startswith(">")))
    return (f"playground needs Gradio {wanted} but Gradio {version} is installed. "
            "Run `make start` (or `scripts/setup.sh`) to install the tested versions "
            "from constraints.txt.")


def require_supported_gradio() -> None:
    """Raises UnsupportedGradio, with the sentence to print, before anything imports gradio."""
    try:
        version = importlib.metadata.version("gradio")
    except importlib.metadata.PackageNotFoundError:
        raise UnsupportedGradio("Gradio is not installed. Run `make start` (or "
                                "`scripts/setup.sh`) to install the tested versions.") from None
    problem = gradio_problem(version)
    if problem:
        raise UnsupportedGradio(problem)
