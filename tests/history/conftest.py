"""Fixtures for the history tests: a store in the test's own data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from playground.history import RunStore


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[RunStore]:
    s = RunStore(data_dir)
    yield s
    s.close()


@pytest.fixture
def outputs(store: RunStore) -> Path:
    store.files.folder.mkdir(parents=True, exist_ok=True)
    return store.files.folder
