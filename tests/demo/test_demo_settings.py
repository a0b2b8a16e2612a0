"""The demo file: read, and every mistake said at start in one sentence naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.demo import DemoFileError, Limits, Show, load, parse, problems_with

TABS = ["image", "chat", "transcribe", "upscale", "background", "faces", "models", "compare",
        "history"]

EXAMPLE = """
[limits]
runs_per_visitor_per_hour = 20
concurrent_runs_per_visitor = 1
max_waiting = 50
spend_cap_usd = 5.00
max_run_seconds = 120
[show]
tabs = ["chat", "upscale", "background", "compare"]
models = ["local/*", "meta/*"]
[kiosk]
idle_reset_minutes = 5
banner = "Try it: the models run on Replicate; be kind, it is shared."
"""


def test_the_issue_s_example_reads_as_written() -> None:
    settings = parse(EXAMPLE, TABS)
    assert settings.limits == Limits(runs_per_visitor_per_hour=20, concurrent_runs_per_visitor=1,
                                     max_waiting=50, spend_cap_usd=5.0, max_run_seconds=120.0)
    assert settings.limits.address_runs_per_hour == 100  # the backstop: 5x
    assert settings.show.tabs == ("chat", "upscale", "background", "compare")
    assert settings.show.allows("meta/meta-llama-3-8b-instruct")
    assert settings.show.allows("local/whisper-tiny:abc")
    assert not settings.show.allows("stability-ai/sdxl")
    assert settings.kiosk.idle_reset_minutes == 5
    assert settings.host.on_this_computer


def test_the_readme_example_is_a_valid_demo_file() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("```toml\n# demo.toml")
    block = readme[start + len("```toml\n"):readme.index("```", start + 7)]
    settings = parse(block, TABS)
    assert settings.limits.runs_per_visitor_per_hour > 0


@pytest.mark.parametrize(("text", "said"), [
    ("[limits]\nruns_per_hour = 3", "unknown key [limits] runs_per_hour"),
    ("[limit]\nx = 1", "unknown section or key 'limit'"),
    ("[limits]\nruns_per_visitor_per_hour = -1", "[limits] runs_per_visitor_per_hour must be 0"),
    ("[limits]\nspend_cap_usd = nan", "[limits] spend_cap_usd must be 0 or more"),
    ("[limits]\nmax_run_seconds = inf", "[limits] max_run_seconds must be 0 or more"),
    ("[limits]\nmax_waiting = 2.5", "[limits] max_waiting must be a whole number"),
    ("[limits]\nmax_waiting = true", "[limits] max_waiting must be a number"),
    ("[limits]\nmax_waiting = 99999999999", "[limits] max_waiting is too large"),
    ("[show]\ntabs = [\"chat\", \"nope\"]", "[show] tabs: no tab 'nope'"),
    ("[show]\ntabs = []", "[show] tabs is empty"),
    ("[show]\nmodels = [\"../etc/passwd\"]", "is not an owner/name pattern"),
    ("[show]\nmodels = \"meta/*\"", "[show] models must be a list"),
    ("[kiosk]\nbanner = \"a\\u0000b\"", "[kiosk] banner holds control characters"),
    ("[kiosk]\nidle_reset_minutes = 0.01", "at least 0.25"),
    ("[host]\njoin_url = \"javascript:alert(1)\"", "join_url must be an http"),
    ("[host]\non_this_computer = \"yes\"", "on_this_computer must be true or false"),
    ("limits = 3", "'limits' must be a section"),
    ("[limits\n", "not valid TOML"),
])
def test_a_mistake_is_one_sentence_naming_the_key(text: str, said: str) -> None:
    with pytest.raises(DemoFileError) as caught:
        parse(text, TABS, source="demo.toml")
    assert said in str(caught.value)
    assert str(caught.value).startswith("demo.toml: ")
    assert "Traceback" not in str(caught.value)


def test_a_file_that_is_not_there_or_not_text(tmp_path: Path) -> None:
    with pytest.raises(DemoFileError, match="no such file"):
        load(tmp_path / "missing.toml", TABS)
    binary = tmp_path / "demo.toml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(DemoFileError, match="not UTF-8"):
        load(binary, TABS)
    binary.write_bytes(b"#" * 100_000)
    with pytest.raises(DemoFileError, match="at most 64 KB"):
        load(binary, TABS)


def test_a_pattern_that_matches_no_model_and_a_cap_without_prices() -> None:
    settings = parse('[limits]\nspend_cap_usd = 1\n[show]\nmodels = ["meta/*", "nobody/*", '
                     '"acme/unpriced"]', TABS)
    known = ["meta/meta-llama-3-8b-instruct", "acme/unpriced", "local/whisper-tiny"]
    found = problems_with(settings, known, paid=True, priced=lambda m: m.startswith("meta/"),
                          models_run=["meta/meta-llama-3-8b-instruct"])
    assert found[0].startswith("[show] models: 'nobody/*' matches no model")
    assert "spend_cap_usd" in found[1] and "acme/unpriced" in found[1]
    # on this computer's engine nothing is spent: a cap needs no prices
    assert problems_with(settings, known, paid=False, priced=lambda m: False) == found[:1]


def test_limits_changed_live_are_checked_as_the_file_is() -> None:
    limits = Limits(runs_per_visitor_per_hour=2)
    assert limits.changed({"max_waiting": 10.0}).max_waiting == 10
    with pytest.raises(DemoFileError, match="must be 0 or more"):
        limits.changed({"max_waiting": -1})
    with pytest.raises(DemoFileError, match="unknown limit"):
        limits.changed({"everything": 1})
    assert Show().allows("anything/at-all")
