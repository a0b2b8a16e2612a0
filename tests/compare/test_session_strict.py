"""Every field of a loaded session is checked strictly: types, lengths, counts, hostile numbers,
nesting, NUL and lone surrogates, and the id that names the export's files. Each refusal is one
plain sentence naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from playground.compare import CompareSession, Entry, Run, load_json
from playground.compare.forms import FormProblem, build_session
from playground.compare.report import load_problem

FORMAT = "replicate-playground/compare-session"
RUN = {"round": 1, "entry": 0, "status": "succeeded"}


def session_text(**fields: Any) -> str:
    body = {"format": FORMAT, "task": "chat", "entries": [{"ref": "a/b"}, {"ref": "c/d"}],
            **fields}
    return json.dumps(body)


def deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


# (what the file holds, where the message must point)
HOSTILE: dict[str, tuple[str, str]] = {
    "an id that is a path": (session_text(id="x/" + "../" * 12 + "tmp/PWNED"), "id"),
    "an id with capitals": (session_text(id="ABC"), "id"),
    "an empty id": (session_text(id=""), "id"),
    "an id too long": (session_text(id="a" * 65), "id"),
    "an id that is a number": (session_text(id=123), "id"),
    "NaN in the metrics": (session_text(runs=[{**RUN, "metrics": {"predict_time": "NaN"}}])
                           .replace('"NaN"', "NaN"), "runs.0.metrics.predict_time"),
    "an infinite cost": (session_text(runs=[{**RUN, "cost_usd": 1}]).replace(
        '"cost_usd": 1', '"cost_usd": 1e999'), "runs.0.cost_usd"),
    "a negative cost": (session_text(runs=[{**RUN, "cost_usd": -1}]), "runs.0.cost_usd"),
    "Infinity in an input": (session_text(inputs={"temperature": 1}).replace(
        '"temperature": 1', '"temperature": Infinity'), "inputs.temperature"),
    "a huge round": (session_text(runs=[{**RUN, "round": 10**30}]), "runs.0.round"),
    "a round as text": (session_text(runs=[{**RUN, "round": "1"}]), "runs.0.round"),
    "a round as a fraction": (session_text(runs=[{**RUN, "round": 1.5}]), "runs.0.round"),
    "a seed past 64 bits": (session_text(seed=2**70), "seed"),
    "a huge number in an override": (session_text(entries=[
        {"ref": "a/b", "overrides": {"steps": 10**400}}, {"ref": "c/d"}]),
        "entries.0.overrides.steps"),
    "an input nested 40 deep": (session_text(inputs={"x": deep(40)}), "inputs.x"),
    "NUL in a label": (session_text(entries=[{"ref": "a/b", "label": "a\x00b"}, {"ref": "c/d"}]),
                       "entries.0.label"),
    "a lone surrogate in a run's text": (session_text(runs=[{**RUN, "text": "x\ud800y"}]),
                                         "runs.0.text"),
    "a lone surrogate in a key": (session_text(inputs={"k\udc00": 1}), "inputs"),
    "NUL in a file name": (session_text(input_files={"image": "outputs/a\x00.png"}),
                           "input_files.image"),
    "a label too long": (session_text(entries=[{"ref": "a/b", "label": "x" * 501},
                                               {"ref": "c/d"}]), "entries.0.label"),
    "too many runs": (session_text(runs=[RUN] * 10_001), "runs"),
    "a run of an entry the session lacks": (session_text(runs=[{**RUN, "entry": 3}]),
                                            "runs.0.entry"),
    "a vote for an entry the session lacks": (
        session_text(votes=[{"round": 1, "entry": 2, "verdict": "better"}]), "votes.0.entry"),
    "overrides that are a list": (session_text(entries=[{"ref": "a/b", "overrides": [1]},
                                                        {"ref": "c/d"}]),
                                  "entries.0.overrides"),
    "a status that is a number": (session_text(runs=[{**RUN, "status": 1}]), "runs.0.status"),
    "a newer format version": (session_text(format_version=2), "format_version"),
    "grid values nested in objects 20 deep": (session_text(grids=[{
        "ref": "a/b", "x_name": "s", "x_values": [deep(20)], "y_name": "", "y_values": []}]),
        "grids.0.x_values.0"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_field_gets_one_plain_sentence_naming_it(name: str, tmp_path: Path) -> None:
    text, where = HOSTILE[name]
    with pytest.raises(ValueError) as caught:
        load_json(text, tmp_path)
    message = load_problem(caught.value)
    assert message.startswith("That file is not an exported comparison ("), message
    assert f"({where}" in message, message
    assert "\n" not in message and "pydantic" not in message and len(message) < 320
    assert message.isprintable()  # no NUL, no lone surrogate: the page can show it
    message.encode("utf-8")


def test_the_apps_own_session_round_trips(tmp_path: Path) -> None:
    made = CompareSession(task="chat", entries=[Entry(ref="a/b", overrides={"t": 0.5}),
                                                Entry(ref="c/d", label="D")],
                          inputs={"prompt": "hi", "messages": [{"role": "user"}]}, seed=2**63)
    made.runs = [Run(round=1, entry=1, status="succeeded", metrics={"predict_time": 1},
                     text="é" * 10, cost_usd=0.0)]
    loaded = load_json(made.model_dump_json(), tmp_path)
    assert loaded == made and loaded.runs[0].metrics == {"predict_time": 1.0}


def test_the_app_cannot_build_what_it_would_refuse_to_load(tmp_path: Path) -> None:
    """The same checks when a session is made, so an export always loads again; the form's
    mistake is said as the form's, in plain words."""
    with pytest.raises(ValidationError):
        Entry(ref="a/b", overrides={"x": float("nan")})
    with pytest.raises(ValidationError):
        CompareSession(task="chat", entries=[Entry(ref="a/b"), Entry(ref="c/d")], id="../x")
    with pytest.raises(FormProblem, match=r"^The inputs cannot be kept in a comparison: "
                                          r"inputs\.prompt: has a NUL character\.$"):
        build_session("chat", ["a/b", "c/d"], ["", ""], prompt="a\x00b", base=tmp_path)
    with pytest.raises(FormProblem, match=r"^Entry 2's settings cannot be kept"):
        build_session("chat", ["a/b", "c/d"], ["", json.dumps({"x": deep(30)})], prompt="hi",
                      base=tmp_path)
    with pytest.raises(FormProblem, match="is not a model name"):
        build_session("chat", ["a/b", "nothing"], ["", ""], prompt="hi", base=tmp_path)


@pytest.mark.parametrize(("name", "suffix"), [
    ("photo.PNG", ".png"), ("clip.wav", ".wav"), ("x.p~n:g", ""), ("a.<b>", ""),
    ("notes", ""), ("voice.ünï", ""), ("a.b c", "")])
def test_a_stored_input_is_named_by_the_app(name: str, suffix: str, tmp_path: Path) -> None:
    """The browser names an upload; the copy a session keeps is named by its hash, with the
    upload's extension only when it is a plain one, so it is always a name of the app's."""
    import re

    from playground.compare.forms import store_input_file
    from playground.compare.safe_files import session_file

    source = tmp_path / "upload" / name
    source.parent.mkdir()
    source.write_bytes(b"\x89PNG not really")
    data = tmp_path / "data"
    stored = store_input_file(source, data)
    assert re.fullmatch(r"compare/inputs/[0-9a-f]{20}" + re.escape(suffix), stored), stored
    assert session_file(stored, data).read_bytes() == source.read_bytes()
