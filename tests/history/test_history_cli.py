"""`playground history export|prune|clear`, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hist_helpers import OWNER_A, OWNER_B, finished, saved

from playground.cli import main
from playground.history import RunStore, Scope
from playground.history.commands import parse_age, parse_size

PLAYGROUND = Path(sys.executable).parent / "playground"


@pytest.fixture
def filled(isolated_env: Path) -> list[str]:
    """Three runs in the data folder the command uses (PLAYGROUND_DATA_DIR)."""
    store = RunStore(isolated_env)
    store.files.folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for i in range(3):
        out = saved(store.files.folder, bytes([i + 1]) * 1000, f"{i + 1}" * 16 + ".bin")
        ids.append(store.record(finished(output=[out], inputs={"prompt": f"run {i}"},
                                         started_at=1_700_000_000.0 + i),
                                OWNER_A if i else OWNER_B).id)
    store.close()
    return ids


def test_export_writes_records_and_files(filled: list[str], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "out.zip"
    assert main(["history", "export", "-o", str(dest)]) == 0
    assert "exported 3 runs and 3 files" in capsys.readouterr().out
    with zipfile.ZipFile(dest) as archive:
        lines = archive.read("history.jsonl").decode().splitlines()
        records = [json.loads(line) for line in lines]
        assert [r["id"] for r in records] == filled[::-1]  # newest first
        assert sorted(n for n in archive.namelist() if n.startswith("files/")) == [
            f"files/{c * 16}.bin" for c in "123"]
        assert records[0]["inputs"] == {"prompt": "run 2"}
    assert main(["history", "export", "-o", str(dest), "--owner", OWNER_B]) == 0
    with zipfile.ZipFile(dest) as archive:
        assert len(archive.read("history.jsonl").decode().splitlines()) == 1


def test_prune_to_a_size(filled: list[str], isolated_env: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "prune", "--max-size", "2kB"]) == 0
    assert "pruned 1 run and 1 file (1.0 kB); 2.0 kB kept" in capsys.readouterr().out
    store = RunStore(isolated_env)
    try:
        assert [r.id for r in store.page(Scope.shared()).runs] == filled[:0:-1]
    finally:
        store.close()


def test_prune_by_age_and_clear(filled: list[str], isolated_env: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "prune", "--older-than", "1d"]) == 0  # all from 2023
    assert "pruned 3 runs" in capsys.readouterr().out
    assert main(["history", "clear"]) == 1  # not without --yes
    assert main(["history", "clear", "--yes"]) == 0
    assert not any((isolated_env / "outputs").iterdir())


def test_clear_asks_first_then_deletes(filled: list[str], isolated_env: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "clear"]) == 1
    assert "deletes 3 runs" in capsys.readouterr().err
    assert main(["history", "clear", "--yes", "--owner", OWNER_B]) == 0
    assert "deleted 1 run and 1 file" in capsys.readouterr().out


def test_bad_arguments_get_a_plain_message(filled: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "prune", "--max-size", "lots"]) == 2
    assert "is not a size" in capsys.readouterr().err
    assert main(["history", "clear", "--yes", "--owner", "../../x"]) == 2
    assert main(["history", "prune", "--older-than", "soon"]) == 2


def test_the_command_runs_as_installed(filled: list[str], isolated_env: Path) -> None:
    done = subprocess.run([str(PLAYGROUND), "history"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("3 runs, 3.0 kB of files, cap 5.0 GB")


def test_sizes_and_ages() -> None:
    assert parse_size("5GB") == 5_000_000_000
    assert parse_size("500 MB") == 500_000_000
    assert parse_size("1GiB") == 1024**3
    assert parse_size("123") == 123
    assert parse_age("30d") == 30 * 86400 and parse_age("2w") == 14 * 86400
    for bad in ("", "-5GB", "5XB", "nan"):
        with pytest.raises(ValueError):
            parse_size(bad)
