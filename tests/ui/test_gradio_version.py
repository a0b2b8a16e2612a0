"""The supported Gradio range: checked before the page is built, said in one sentence."""

from __future__ import annotations

import gradio as gr
from packaging.specifiers import SpecifierSet

from playground.cli import main
from playground.ui import gradio_version
from playground.ui.gradio_version import gradio_problem, supported_range


def test_the_range_is_the_one_pyproject_declares() -> None:
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    declared = next(d for d in pyproject["project"]["dependencies"] if d.startswith("gradio"))
    assert supported_range() == SpecifierSet(declared.removeprefix("gradio"))


def test_the_installed_gradio_is_supported() -> None:
    assert gradio_problem(gr.__version__) is None


def test_a_gradio_outside_the_range_is_named_in_a_sentence() -> None:
    supported = SpecifierSet(">=6.31,<7")
    old = gradio_problem("6.10.0", supported)
    assert old == ("playground needs Gradio >=6.31, <7 but Gradio 6.10.0 is installed. Run "
                   "`make start` (or `scripts/setup.sh`) to install the tested versions from "
                   "constraints.txt.")
    assert gradio_problem("7.0.0", supported) is not None
    assert gradio_problem("not-a-version", supported) is not None
    assert gradio_problem("6.31.0", supported) is None


def test_the_cli_refuses_an_unsupported_gradio_before_building_the_page(
        monkeypatch, capsys) -> None:
    # the installed Gradio cannot be swapped inside a test run; the range can
    monkeypatch.setattr(gradio_version, "supported_range", lambda: SpecifierSet(">=99"))
    assert main(["--port", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: playground needs Gradio >=99 but Gradio ")
    assert "Traceback" not in err
