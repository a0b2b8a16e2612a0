"""Cog predictors as local models (`--cog DIR`): small predictors written here run in coglet
(Cog's own server, no Docker) behind the engine, through the official `replicate` client; the
Models tab builds their forms. Needs the `cog` extra (`scripts/setup.sh --test` installs it)."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import httpx
import pytest
import replicate
from PIL import Image
from replicate.helpers import FileOutput

from playground.engine.cog import cog_models
from playground.engine.server import EngineThread
from playground.ui.kit.schema_form import render_form

from .cog_predictors import PREDICTORS, write_predictor
from .conftest import TOKEN, start_engine


@pytest.fixture(scope="module")
def cog_engine(tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[EngineThread, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("cog")
    folders = [write_predictor(root / name, source) for name, source in PREDICTORS.items()]
    models = cog_models(folders, reload=True)
    engine, recorder = start_engine(root / "engine", models=models, token=TOKEN)
    by_name = {m.name: m for m in models}
    for model in models:
        assert model.ready.wait(120), f"{model.name}: setup() did not end"
    yield engine, by_name
    engine.stop()
    assert not recorder.failures, recorder.failures
    assert all(m._process is None or not m._process.alive() for m in models)


@pytest.fixture
def rc(cog_engine: tuple[EngineThread, dict[str, Any]]) -> replicate.Client:
    return replicate.Client(api_token=TOKEN, base_url=cog_engine[0].url)


def test_a_text_predictor_runs_with_its_schema(rc: replicate.Client) -> None:
    model = rc.models.get("local/texter")
    schema = model.latest_version.openapi_schema["components"]["schemas"]
    props = schema["Input"]["properties"]
    assert list(props) == ["text", "times", "api_key"]
    assert props["text"]["default"] == "hello" and props["text"]["description"] == "what to shout"
    assert (props["times"]["minimum"], props["times"]["maximum"]) == (1, 5)
    assert props["api_key"]["format"] == "password" and props["api_key"]["x-cog-secret"]
    assert schema["Output"]["type"] == "string"
    assert rc.run("local/texter", input={"text": "hi", "times": 2}) == "HI HI"
    prediction = rc.predictions.create(model="local/texter", input={})
    prediction.wait()
    assert prediction.status == "succeeded" and prediction.output == "HELLO"
    # setup() ran once, at start: the first prediction says what it printed
    first = rc.predictions.list().results[-1]
    assert "setup: loading the texter" in first.logs
    assert "shouting 'hello'" in prediction.logs


def test_inputs_are_checked_at_the_door(rc: replicate.Client) -> None:
    with pytest.raises(replicate.exceptions.ReplicateError) as info:
        rc.run("local/texter", input={"times": 9})
    assert info.value.status == 422 and "times" in str(info.value)
    with pytest.raises(replicate.exceptions.ReplicateError) as info:
        rc.run("local/texter", input={"nope": 1})
    assert info.value.status == 422


def test_a_failed_prediction_fails_plainly(rc: replicate.Client) -> None:
    with pytest.raises(replicate.exceptions.ModelError) as info:
        rc.run("local/texter", input={"text": "fail"})
    prediction = info.value.prediction
    assert prediction.status == "failed"
    assert prediction.error == "ValueError: asked to fail"
    assert "Traceback" not in (prediction.logs or "")


def test_a_secret_input_reaches_the_predictor_and_is_never_shown(
        rc: replicate.Client, cog_engine: tuple[EngineThread, dict[str, Any]]) -> None:
    secret = "sk-very-secret-value-42"
    prediction = rc.predictions.create(model="local/texter",
                                       input={"text": "key", "api_key": secret})
    prediction.wait()
    assert prediction.status == "succeeded" and prediction.output == "KEY"
    assert prediction.input["api_key"] == "**********"
    assert "the key is **********" in prediction.logs  # the predictor had the value
    again = rc.predictions.get(prediction.id)
    assert secret not in repr(again.__dict__)
    stored = (cog_engine[0].app.state.engine.data_dir / "engine.sqlite3").read_bytes()
    assert secret.encode() not in stored


def test_a_concatenate_iterator_streams(rc: replicate.Client) -> None:
    events = list(rc.stream("local/streamer", input={"n": 4}))
    assert "".join(str(e) for e in events) == "tok0 tok1 tok2 tok3 "
    out = rc.run("local/streamer", input={"n": 2})
    assert "".join(out) == "tok0 tok1 "
    model = rc.models.get("local/streamer")
    output = model.latest_version.openapi_schema["components"]["schemas"]["Output"]
    assert output["x-cog-array-display"] == "concatenate"


def test_cancel_reaches_the_worker(rc: replicate.Client) -> None:
    prediction = rc.predictions.create(model="local/streamer", input={"n": 1000, "delay": 0.05})
    deadline = time.monotonic() + 60
    while not prediction.output and time.monotonic() < deadline:
        time.sleep(0.1)
        prediction.reload()
    assert prediction.output, "the stream did not start"
    prediction.cancel()
    prediction.wait()
    assert prediction.status == "canceled"
    # the worker stopped: the next prediction gets the slot (coglet's second would get a 409)
    assert "".join(rc.run("local/streamer", input={"n": 1})) == "tok0 "


def test_queued_predictions_wait_for_the_one_slot(rc: replicate.Client) -> None:
    made = [rc.predictions.create(model="local/streamer", input={"n": 3, "delay": 0.05})
            for _ in range(3)]
    for prediction in made:
        prediction.wait()
    assert [p.status for p in made] == ["succeeded"] * 3
    assert ["".join(p.output) for p in made] == ["tok0 tok1 tok2 "] * 3


def test_a_path_output_is_a_file(rc: replicate.Client, tmp_path: Path) -> None:
    out = rc.run("local/painter", input={"color": "blue", "size": 4})
    assert isinstance(out, FileOutput)
    img = Image.open(io.BytesIO(out.read()))
    assert img.size == (4, 4) and img.getpixel((0, 0)) == (0, 0, 255)
    picture = tmp_path / "in.png"
    Image.new("RGB", (6, 3), "white").save(picture)
    with picture.open("rb") as f:  # uploaded through the Files API, given to coglet
        out = rc.run("local/painter", input={"image": f})
    assert Image.open(io.BytesIO(out.read())).size == (6, 6)


def test_a_failing_setup_is_listed_unavailable_and_the_rest_works(
        rc: replicate.Client, cog_engine: tuple[EngineThread, dict[str, Any]]) -> None:
    engine = cog_engine[0]
    with httpx.Client(base_url=engine.url, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        listed = c.get("/v1/models/local/broken").json()
    assert listed["playground"]["available"] is False
    assert "setup() failed: RuntimeError: weights.bin is missing" in listed["description"]
    assert "Traceback" not in listed["description"]
    with pytest.raises(replicate.exceptions.ModelError) as info:
        rc.run("local/broken", input={})
    assert "weights.bin is missing" in (info.value.prediction.error or "")
    assert rc.run("local/texter", input={"text": "still"}) == "STILL"


def test_a_predictor_that_cannot_be_imported_is_listed_unavailable(
        rc: replicate.Client, cog_engine: tuple[EngineThread, dict[str, Any]]) -> None:
    with httpx.Client(base_url=cog_engine[0].url,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        listed = c.get("/v1/models/local/unimportable").json()
    assert listed["playground"]["available"] is False
    assert ("cannot load predict.py:Predictor: ModuleNotFoundError: No module named "
            "'not_a_module_here'") in listed["description"]
    with pytest.raises(replicate.exceptions.ModelError) as info:
        rc.run("local/unimportable", input={})
    assert "not_a_module_here" in (info.value.prediction.error or "")


async def test_the_models_tab_builds_their_forms(
        cog_engine: tuple[EngineThread, dict[str, Any]], tmp_path: Path) -> None:
    from playground.service import Service
    from playground.ui.context import make_context
    from playground.ui.tabs.model_notes import not_here

    service = Service(cog_engine[0].url, token=TOKEN, data_dir=tmp_path / "data",
                      backend="local")
    try:
        ctx = make_context(service, browser_secret="cog-models-tab-secret-0123")
        assert not_here(ctx, "local/texter") is None  # the tab opens it here
        texter = await service.catalog.find_model("local/texter")  # as the tab looks it up
        painter = await service.catalog.find_model("local/painter")
    finally:
        await service.aclose()
    assert texter.run_ref == "local/texter" and texter.form.names == ["text", "times", "api_key"]
    assert painter.output.kind == "file"
    with gr.Blocks():
        made = dict(zip(texter.form.names, render_form(texter.form, {}, "t"), strict=True))
        painted = dict(zip(painter.form.names, render_form(painter.form, {}, "p"), strict=True))
    assert isinstance(made["text"], gr.Textbox) and made["text"].value == "hello"
    assert made["api_key"].type == "password"
    assert isinstance(made["times"], gr.Slider)
    assert (made["times"].minimum, made["times"].maximum) == (1, 5)
    assert isinstance(painted["color"], gr.Dropdown)
    assert isinstance(painted["image"], gr.Image | gr.File)


def test_a_change_to_predict_py_reloads_it(
        rc: replicate.Client, cog_engine: tuple[EngineThread, dict[str, Any]]) -> None:
    model = cog_engine[1]["reloader"]
    before = rc.models.get("local/reloader").latest_version.id
    assert rc.run("local/reloader", input={"text": "Quiet"}) == "QUIET"
    file = model.directory / "predict.py"
    file.write_text(file.read_text().replace(
        'text: str = "x") -> str:\n        return text.upper()',
        'text: str = "x", times: int = 1) -> str:\n        return text.lower() * times'))
    later = time.time() + 5
    os.utime(file, (later, later))
    deadline = time.monotonic() + 120
    while model.reloaded_at is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert model.reloaded_at is not None, "the change was not seen"
    prediction = rc.predictions.create(model="local/reloader",
                                       input={"text": "Quiet", "times": 2})
    prediction.wait()
    assert prediction.status == "succeeded" and prediction.output == "quietquiet"
    assert "reloaded: predict.py changed" in prediction.logs
    reloaded = rc.models.get("local/reloader")
    assert "(reloaded at " in reloaded.description
    assert reloaded.latest_version.id != before  # a new input: a new version
    assert "times" in reloaded.latest_version.openapi_schema["components"]["schemas"][
        "Input"]["properties"]


async def test_the_app_runs_them_and_the_history_keeps_no_secret(
        cog_engine: tuple[EngineThread, dict[str, Any]], tmp_path: Path) -> None:
    from playground.history import RunStore, Scope
    from playground.service import Caller, RunHistory, Service

    owner = "cog-history-owner-0001"
    store = RunStore(tmp_path / "data")
    service = Service(cog_engine[0].url, token=TOKEN, data_dir=tmp_path / "data",
                      backend="local", history=RunHistory(store))
    try:
        secret = "hf_another-secret-value-77"
        schema = await service.input_schema("local/texter")  # as Compare looks it up
        assert schema is not None and "api_key" in schema.names
        result = await service.run_model("local/texter", {"text": "app", "api_key": secret},
                                         caller=Caller(owner, "models"))
        assert result.ok and result.output == "APP"
        streamed = await service.stream_model("local/streamer", {"n": 3},
                                              caller=Caller(owner, "models"))
        assert streamed.ok and "".join(streamed.output) == "tok0 tok1 tok2 "
        page = store.page(Scope.of(owner))
        assert {r.model for r in page.runs} == {"local/texter", "local/streamer"}
        for path in (tmp_path / "data").rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path.name
    finally:
        await service.aclose()
        store.close()
