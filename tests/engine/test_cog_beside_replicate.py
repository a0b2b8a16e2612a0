"""A `--cog` predictor beside Replicate: one Service whose main backend is "Replicate" (the replay
server of recorded Replicate exchanges) and whose `local/<name>` runs on the embedded engine
(a small Cog predictor written here, in coglet). Each ref reaches its own server, the outputs
of both are saved, the history records each run's backend, and Compare runs one entry of each
with the same seed. Needs the `cog` extra (`scripts/setup.sh --test` installs it)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from replay_server import ReplayServer, load_cassette
from starlette.types import ASGIApp, Receive, Scope, Send

from playground.compare import CompareSession, Entry, PriceTable, Runner
from playground.compare.service_backend import ServiceBackend
from playground.compare.session import resolve_name
from playground.engine.cog import cog_models
from playground.engine.server import EngineThread
from playground.history import Caller, RunHistory, RunStore, new_owner_id
from playground.service import EngineModels, Service

from .cog_predictors import PREDICTORS, SEEDED, write_predictor

TOKEN = "r8_cogBesideReplicateTestToken0123456789abc"
PINNED = "stability-ai/sdxl:39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"
PROMPT = "a studio photo of a rainbow colored corgi"


class Headers:
    """Wraps the engine's app: the Authorization header of every request it gets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[tuple[str, str | None]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            auth = dict(scope["headers"]).get(b"authorization")
            self.seen.append((scope["path"], auth.decode() if auth is not None else None))
        await self.app(scope, receive, send)


@dataclass
class Servers:
    replay: ReplayServer
    engine: EngineThread
    headers: Headers


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    root = tmp_path_factory.mktemp("beside")
    models = cog_models([write_predictor(root / "mine", SEEDED),
                         write_predictor(root / "streamer", PREDICTORS["streamer"])])
    engine = EngineThread(models, root / "engine")  # only the Cog model, as `--cog` beside
    headers = Headers(engine.server.config.app)
    engine.server.config.app = headers
    engine.start()
    try:
        assert all(m.ready.wait(120) for m in models), "setup() did not end"
        with ReplayServer(["run", "file-prediction", "models-get", "models-list",
                           "models-search"]) as replay:
            yield Servers(replay, engine, headers)
    finally:
        engine.stop()


@pytest.fixture
async def service(servers: Servers, tmp_path: Path) -> AsyncIterator[Service]:
    servers.replay.requests.clear()
    servers.replay.delivery_requests.clear()
    servers.headers.seen.clear()
    # The replay server stands in for Replicate (its delivery origin for replicate.delivery).
    svc = Service(servers.replay.url, data_dir=tmp_path / "app", backend="replicate",
                  trusted_origins=[servers.replay.delivery_url],
                  history=RunHistory(RunStore(tmp_path / "app")),
                  engine=EngineModels.of(servers.engine.url, ["local/mine", "local/streamer"]))
    try:
        yield svc
    finally:
        await svc.aclose()


def pixel(path: Path) -> tuple[int, ...]:
    with Image.open(path) as img:
        return tuple(img.convert("RGB").getpixel((0, 0)))


async def test_each_ref_reaches_its_own_server(service: Service, servers: Servers) -> None:
    owner = new_owner_id()
    caller = Caller(owner, "models")
    theirs = await service.run_model(PINNED, {"prompt": PROMPT, "seed": 7}, token=TOKEN,
                                     caller=caller)
    mine = await service.run_model("local/mine", {"prompt": PROMPT, "seed": 7}, token=TOKEN,
                                   caller=caller)
    assert theirs.ok, theirs.error
    assert mine.ok, mine.error
    assert mine.model == "local/mine" and "Using seed: 7" in mine.logs
    # both outputs saved in the app's own folder
    assert theirs.files[0].read_bytes() == load_cassette("file-prediction")[0].body
    assert mine.files[0].parent == theirs.files[0].parent == service.output_dir
    assert pixel(mine.files[0]) == (7, len(PROMPT), 0)
    # Replicate got its run, with the token, and never heard of the local model
    paths = [(r.method, r.path) for r in servers.replay.requests]
    assert ("POST", "/v1/predictions") in paths
    assert not any("local" in path for _, path in paths)
    created = next(r for r in servers.replay.requests if r.method == "POST")
    assert created.headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(created.body)["input"]["seed"] == 7
    # the engine got the local run, and no Replicate token ever
    engine_paths = [path for path, _ in servers.headers.seen]
    assert "/v1/models/local/mine/predictions" in engine_paths
    assert [auth for _, auth in servers.headers.seen] == [None] * len(servers.headers.seen)
    # the history says where each run ran
    assert service.history is not None
    runs = {r.model: r for r in service.history.page(owner).runs}
    assert (runs["stability-ai/sdxl"].backend_kind,
            runs["stability-ai/sdxl"].backend_url) == ("replicate", servers.replay.url)
    assert (runs["local/mine"].backend_kind,
            runs["local/mine"].backend_url) == ("local", servers.engine.url)
    # what a run's code names: the engine for the author's model, Replicate for the other
    assert service.server_for("local/mine").url == servers.engine.url
    assert service.server_for(PINNED).url == servers.replay.url
    # a prediction made on the engine is asked for there again (not on Replicate)
    asked = len(servers.replay.requests)
    again = await service.prediction(mine.prediction_id, token=TOKEN)
    assert again.status == "succeeded" and again.model == "local/mine"
    assert len(servers.replay.requests) == asked


async def test_a_large_file_for_the_engine_goes_inline(service: Service, servers: Servers,
                                                       tmp_path: Path) -> None:
    """Above the data-URI limit a file for Replicate goes to its Files API; one for the
    engine is still sent inline: the author's files never go to Replicate."""
    photo = tmp_path / "noise.png"
    buf = io.BytesIO()
    Image.frombytes("RGB", (400, 400), os.urandom(400 * 400 * 3)).save(buf, format="PNG")
    photo.write_bytes(buf.getvalue())
    assert photo.stat().st_size > service.uploader.inline_limit
    mine = await service.run_model("local/mine", {"image": photo}, token=TOKEN)
    assert mine.ok, mine.error
    assert any("data URI" in note for note in mine.upload_notes), mine.upload_notes
    with Image.open(mine.files[0]) as out:
        assert out.width == 400  # the predictor read the file it was sent
    assert servers.replay.requests == []


async def test_the_models_tab_finds_both(service: Service, servers: Servers) -> None:
    mine = await service.catalog.find_model("local/mine")
    assert mine.card.ref == "local/mine"
    assert [f.name for f in mine.form.fields][:2] == ["prompt", "seed"]
    theirs = await service.catalog.find_model("stability-ai/sdxl")
    assert theirs.card.ref == "stability-ai/sdxl"
    listed = await service.catalog.list_models()
    refs = [card.ref for card in listed]
    assert refs[0] == "local/mine" and len(refs) > 1 and refs.count("local/mine") == 1
    found = await service.catalog.search_models("mine")
    assert found and found[0].ref == "local/mine"


async def test_compare_runs_mine_against_the_published_one(service: Service,
                                                          servers: Servers) -> None:
    session = CompareSession(task="image", seed=7, inputs={"prompt": PROMPT},
                             entries=[Entry(ref="local/mine"), Entry(ref=PINNED)])
    runner = Runner(ServiceBackend(service, Caller(new_owner_id(), "compare")),
                    prices=PriceTable.load(), data_dir=service.data_dir)
    updates: list[Any] = [u async for u in runner.run_round(session, token=TOKEN)]
    assert updates
    mine, theirs = session.round_runs()
    assert mine.status == "succeeded", mine.error
    assert theirs.status == "succeeded", theirs.error
    assert mine.input["seed"] == theirs.input["seed"] == 7
    # the same seed reached both servers
    assert pixel(resolve_name(mine.files[0], service.data_dir))[0] == 7
    created = next(r for r in servers.replay.requests if r.method == "POST")
    assert json.loads(created.body)["input"]["seed"] == 7
    assert resolve_name(theirs.files[0], service.data_dir).read_bytes() == load_cassette(
        "file-prediction")[0].body


async def test_the_page_offers_only_the_cog_model_of_the_engine(service: Service) -> None:
    from playground.ui.compare.view import choices
    from playground.ui.context import make_context

    assert sorted(service.local_models()) == ["local/mine", "local/streamer"]
    ctx = make_context(service, browser_secret="cog-beside-replicate-secret-0123")
    for group in ("image", "chat"):
        offered = choices(ctx, group)
        assert sorted(offered[:2]) == [("local/mine", "local/mine"),
                                       ("local/streamer", "local/streamer")]
        assert all(value.startswith("preset:") for _, value in offered[2:])


async def test_a_streamed_run_on_the_engine(service: Service, servers: Servers) -> None:
    deltas: list[str] = []
    result = await service.stream_model("local/streamer", {"n": 3}, token=TOKEN,
                                        on_update=lambda u: deltas.append(u.delta or ""))
    assert result.ok, result.error
    assert "".join(deltas) == "tok0 tok1 tok2 " == result.text
    # made by a stream, it is still asked for on the engine
    again = await service.prediction(result.prediction_id, token=TOKEN)
    assert again.status == "succeeded" and again.model == "local/streamer"
    assert servers.replay.requests == []
    assert servers.headers.seen and all(auth is None for _, auth in servers.headers.seen)
