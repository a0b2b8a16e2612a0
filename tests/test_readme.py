"""The README's promises: its Python example runs as written, and its two commands exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


@pytest.mark.models
def test_the_python_example_runs(tmp_path: Path, isolated_env: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks, "the README lost its example"
    from skimage import data

    Image.fromarray(data.astronaut()).resize((128, 128)).save(tmp_path / "photo.jpg")
    (tmp_path / "example.py").write_text(blocks[0])
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(isolated_env)}
    done = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "succeeded in" in done.stdout and "local/real-esrgan" in done.stdout
    assert "Paris" in done.stdout
    saved = list((isolated_env / "outputs").glob("*.png"))
    assert saved and Image.open(saved[0]).size == (256, 256)


def test_the_two_commands_are_real() -> None:
    assert "make start" in README and "make test" in README
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^start:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
