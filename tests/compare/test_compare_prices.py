"""The price table and the cost estimate."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.compare import PriceTable, format_cost


def test_shipped_table_loads_and_is_an_estimate() -> None:
    table = PriceTable.load()
    assert table.label == "estimate"
    assert table.hardware["cpu"] > 0
    assert table.hardware_for("local/real-esrgan") == "cpu"
    assert table.hardware_for("nightmareai/real-esrgan:42fed1c4") == "gpu-t4"
    assert table.hardware_for("someone/unknown") is None


def test_estimate_is_time_times_price(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[hardware]\ncpu = 0.0001\ngpu = 0.002\n[models]\n"a/*" = "cpu"\n'
                    '"a/special" = "gpu"\n')
    table = PriceTable.load(path)
    assert table.estimate("a/x", 10.0).usd == pytest.approx(0.001)
    special = table.estimate("a/special:v", 2.5)
    assert special.hardware == "gpu" and special.usd == pytest.approx(0.005)
    assert table.estimate("b/x", 1.0) is None
    assert table.estimate("a/x", None) is None


def test_unknown_hardware_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[hardware]\ncpu = 0.0001\n[models]\n"a/b" = "tpu"\n')
    with pytest.raises(ValueError, match="tpu"):
        PriceTable.load(path)


def test_format_cost() -> None:
    assert format_cost(None) == "n/a"
    assert format_cost(0.00042) == "~$0.00042 (estimate)"
    assert format_cost(1.234) == "~$1.23 (estimate)"
    assert format_cost(0.0) == "~$0 (estimate)"
    assert format_cost(0.0000123) == "~$0.000012 (estimate)"
