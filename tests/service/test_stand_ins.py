"""The page names the engine's models as the engine lists them: no copy lives in the UI."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.engine.models import registry
from playground.engine.models.base import EngineModel
from playground.engine.server import EngineThread
from playground.service import LocalModel, Service
from playground.ui.kit.presets_view import PresetsView


class _Renamed(EngineModel):
    """A model the UI has never heard of: its name must reach the page from the engine."""

    name = "brand-new"
    description = "A model added to the engine after the UI was written."
    title = "Brand New 1B"
    caveat = "reads Welsh only"
    stands_in_for = "someone/brand-new"
    Input = registry()[0].Input
    output_schema = {"type": "string"}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    thread = EngineThread([*registry(), _Renamed()], tmp_path_factory.mktemp("engine")).start()
    yield thread
    thread.stop()


@pytest.mark.models  # the engine's registry lists a model as available by its weights
def test_the_engine_lists_each_model_with_its_page_name(engine, tmp_path: Path) -> None:
    found = Service(engine.url, data_dir=tmp_path, backend="local").local_models()
    assert found["local/brand-new"] == LocalModel(
        ref="local/brand-new", title="Brand New 1B", caveat="reads Welsh only",
        stands_in_for="someone/brand-new", available=True)
    assert found["local/whisper-tiny-en"].caveat == "English only"
    assert found["local/smollm2-135m-instruct"].title == "SmolLM2-135M"
    # No diffusion weights here: listed, and said to be unable to run.
    assert found["local/sd-turbo"].available is False


@pytest.mark.models  # the engine's registry lists a model as available by its weights
def test_the_banner_and_the_preset_line_name_what_the_engine_lists(engine, tmp_path) -> None:
    view = PresetsView(Service(engine.url, data_dir=tmp_path, backend="local"))
    by_cloud = {s.cloud: s for s in view.stand_ins()}
    assert any(s.local == "SmolLM2-135M" for s in by_cloud.values())
    assert any(s.local == "Whisper tiny.en" and s.note == "English only"
               for s in by_cloud.values())
    assert any(s.local == "" and s.note == "not available offline" for s in by_cloud.values())
    assert "English only" in view.describe("transcribe", None)


@pytest.mark.models  # the engine's registry lists a model as available by its weights
def test_the_model_list_is_asked_once_per_service(engine, tmp_path: Path) -> None:
    service = Service(engine.url, data_dir=tmp_path, backend="local")
    assert service.local_models() is service.local_models()


def test_other_backends_ask_nothing(tmp_path: Path) -> None:
    # A closed port: asking would fail; a cloud service must not ask at all.
    service = Service("http://127.0.0.1:9", data_dir=tmp_path, backend="replicate")
    assert service.local_models() == {}


def test_a_server_without_the_playground_fields_lists_none(serve, tmp_path: Path) -> None:
    async def models(request: Request) -> JSONResponse:
        return JSONResponse({"next": None, "previous": None, "results": [
            {"owner": "acme", "name": "plain", "description": "no page names here"},
            {"owner": "acme", "name": "odd", "playground": {"title": 7, "available": "no"}},
        ]})

    url = serve(Starlette(routes=[Route("/v1/models", models)]))
    found = Service(url, data_dir=tmp_path, backend="local").local_models()
    # Not the engine's fields: a title that is not text falls back to the name.
    assert found == {"acme/odd": LocalModel(ref="acme/odd", title="odd")}
    view = PresetsView(Service(url, data_dir=tmp_path, backend="local"))
    # Unknown to this server: each stand-in is named by its ref, never by a copy in the UI.
    assert "smollm2-135m-instruct" in {s.local for s in view.stand_ins()}


def test_a_dead_engine_leaves_the_page_standing(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    service = Service(f"http://127.0.0.1:{port}", data_dir=tmp_path, backend="local")
    with caplog.at_level(logging.WARNING, logger="playground.service"):
        assert service.local_models() == {}
    assert "model list is unavailable" in caplog.text
    assert PresetsView(service).stand_ins()  # the banner still lists the tasks
