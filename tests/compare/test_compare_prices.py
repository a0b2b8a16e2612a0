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


PRESETS = Path(__file__).resolve().parents[2] / "presets"


def _preset_models() -> list[str]:
    import tomllib

    models = []
    for path in sorted(PRESETS.glob("*.toml")):
        for preset in tomllib.loads(path.read_text(encoding="utf-8")).get("preset", []):
            models += [m for m in (preset.get("model"), preset.get("local_model")) if m]
    return sorted(set(models))


def test_every_preset_model_has_a_price() -> None:
    """A cloud comparison of the presets never shows cost n/a for lack of a table row."""
    table = PriceTable.load()
    models = _preset_models()
    assert "meta/meta-llama-3.1-405b-instruct" in models and len(models) >= 10
    unpriced = {m: table.priced(m) for m in models if not table.priced(m)}
    assert not unpriced, f"preset models without a price or a reason: {sorted(unpriced)}"
    assert table.priced("meta/meta-llama-3.1-405b-instruct") == "per-token"


def test_per_token_estimate(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[hardware]\ncpu = 0.0001\n[models]\n"meta/*" = "cpu"\n'
                    '[tokens]\n"meta/llm" = { input = 0.000001, output = 0.000004 }\n'
                    '[unpriced]\n"x/y" = "billed per image"\n')
    table = PriceTable.load(path)
    est = table.estimate("meta/llm", 99.0, {"input_token_count": 100, "output_token_count": 50})
    assert est is not None and est.hardware == "per-token"
    assert est.usd == pytest.approx(100 * 0.000001 + 50 * 0.000004)  # not 99 s of cpu
    assert table.estimate("meta/llm", 99.0, {"predict_time": 99.0}) is None  # no counts, no guess
    assert table.estimate("meta/other", 10.0).usd == pytest.approx(0.001)
    assert table.priced("x/y") == "not priced: billed per image"
    assert table.priced("z/z") is None


async def test_runner_prices_a_chat_run_per_token(tmp_path: Path) -> None:
    from playground.compare import Runner
    from playground.compare.session import Run
    from playground.results import RunResult

    runner = Runner(object(), data_dir=tmp_path)  # type: ignore[arg-type]
    run = Run(round=1, entry=0)
    runner._absorb(run, RunResult(
        "p1", "meta/meta-llama-3.1-405b-instruct", None, {}, "succeeded", output=["Hi"],
        metrics={"predict_time": 2.0, "input_token_count": 1000, "output_token_count": 1000}))
    assert run.hardware == "per-token" and run.cost_usd == pytest.approx(0.019)
    assert format_cost(run.cost_usd) == "~$0.02 (estimate)"
