"""Cog predictors as local models (`--cog DIR`): needs the `cog` extra
(`pip install 'replicate-playground[cog]'`), imported only when a folder is given.

`inspect_predictor.py` (the one use of cog's private API, run in the predictor's Python),
`process.py` (one coglet server), `model.py` (the engine model driving it).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from .model import CogModel

INSTALL = "pip install 'replicate-playground[cog]'"
_NAME = re.compile(r"[^a-z0-9._-]+")


class CogProblem(ValueError):
    """A --cog folder that cannot be used; the message says why and what to do."""


def _python(directory: Path) -> str:
    """The folder's own venv (`DIR/.venv`, for requirements that clash with ours), else ours."""
    own = directory / ".venv" / "bin" / "python"
    if own.is_file():
        return str(own)
    if importlib.util.find_spec("cog") is None or importlib.util.find_spec("coglet") is None:
        raise CogProblem(f"--cog needs Cog's server, which is not installed: {INSTALL} "
                         "(or give the folder its own .venv with cog==0.23.1)")
    return sys.executable


def _settings(directory: Path) -> tuple[str, str]:
    """(model name, predictor ref) from cog.yaml's `image` and `predict`, else the folder."""
    name, ref = directory.resolve().name, "predict.py:Predictor"
    config = directory / "cog.yaml"
    if config.is_file():
        import yaml  # a dependency of cog

        try:
            data = yaml.safe_load(config.read_text())
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise CogProblem(f"{config} is not valid YAML: {exc}") from None
        if isinstance(data, dict):
            if isinstance(data.get("predict"), str) and ":" in data["predict"]:
                ref = data["predict"]
            if isinstance(data.get("image"), str) and data["image"].strip("/"):
                name = data["image"].strip("/").rsplit("/", 1)[-1].split(":")[0]
    name = _NAME.sub("-", name.lower()).strip("-.") or "cog-model"
    return name[:100], ref


def cog_models(directories: Iterable[str | Path], reload: bool = False,
               taken: Iterable[str] = ()) -> list[CogModel]:
    """One CogModel per folder (not started: the engine starts them). `taken`: model names
    already in use. Raises CogProblem for a folder that cannot be used."""
    models: list[CogModel] = []
    names = set(taken)
    for given in directories:
        directory = Path(given).expanduser()
        if not directory.is_dir():
            raise CogProblem(f"--cog {given}: not a folder")
        name, ref = _settings(directory)
        file = ref.partition(":")[0]
        if Path(file).is_absolute() or ".." in Path(file).parts or not (directory / file).is_file():
            raise CogProblem(f"--cog {given}: no {file} in that folder")
        if name in names:
            raise CogProblem(f"--cog {given}: the name local/{name} is taken (set `image:` in "
                             "its cog.yaml to name it)")
        names.add(name)
        models.append(CogModel(directory, name, ref, _python(directory), reload=reload))
    return models
