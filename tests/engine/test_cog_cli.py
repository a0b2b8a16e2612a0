"""`--cog DIR` around the engine: folders that cannot be used, no cog extra, and a predictor's
server that does not outlive a killed engine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from playground.cli import BadOption, engine_models
from playground.engine.cog import CogProblem, cog_models

from .cog_predictors import PREDICTORS, write_predictor


def test_a_folder_that_cannot_be_used_is_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(CogProblem, match="not a folder"):
        cog_models([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(CogProblem, match="no predict.py in that folder"):
        cog_models([tmp_path / "empty"])
    one = write_predictor(tmp_path / "a" / "rembg", PREDICTORS["texter"])
    with pytest.raises(BadOption, match="local/rembg is taken"):
        engine_models([str(one)])
    named = write_predictor(tmp_path / "b", PREDICTORS["texter"])
    (named / "cog.yaml").write_text('image: "r8.im/someone/My-Model"\n'
                                    'predict: "predict.py:Predictor"\n')
    assert [m.ref for m in cog_models([named])] == ["local/my-model"]


def test_without_the_cog_extra_the_error_says_how_to_install_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import playground.engine.cog as cog_package

    folder = write_predictor(tmp_path / "mine", PREDICTORS["texter"])
    real = cog_package.importlib.util.find_spec
    monkeypatch.setattr(cog_package.importlib.util, "find_spec",  # a machine without the extra
                        lambda name, *a: None if name in ("cog", "coglet") else real(name, *a))
    with pytest.raises(BadOption) as info:
        engine_models([str(folder)])
    assert "pip install 'replicate-playground[cog]'" in str(info.value)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_killed_engine_takes_its_predictor_servers_down(tmp_path: Path) -> None:
    folder = write_predictor(tmp_path / "orphan", PREDICTORS["reloader"])
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2]),
           "PLAYGROUND_DATA_DIR": str(tmp_path / "data")}
    engine = subprocess.Popen([sys.executable, "-m", "playground", "engine", "--port", "0",
                               "--cog", str(folder)], env=env, stderr=subprocess.PIPE,
                              text=True)
    servers: list[int] = []
    try:
        assert engine.stderr is not None
        for line in engine.stderr:
            if "local/orphan: started" in line:
                break
        servers = _children(engine.pid)
        assert servers, "no predictor server was started"
        engine.send_signal(signal.SIGKILL)  # no shutdown of its own
        engine.wait(30)
        deadline = time.monotonic() + 60
        while any(map(_alive, servers)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(map(_alive, servers)), "the predictor's server outlived the engine"
    finally:
        if engine.poll() is None:
            engine.kill()
            engine.wait()
        for pid in servers:
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)  # left behind by a failure: not for long
