"""The Image tab on a recorded real SDXL run: gradio_client -> the app -> the replay server.

`run.yaml` is a real Replicate run of `stability-ai/sdxl` at exactly the version our preset pins:
create, polls with "Using seed: 42069" and tqdm progress, and a succeeded prediction whose output
is on replicate.delivery (served by the replay server's second origin, see tests/replay_server.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client
from PIL import Image
from replay_server import ReplayServer, load_cassette

from .conftest import start_app
from .helpers import Outcome, call

TOKEN = "r8_imageReplayTestToken0123456789abcdefXYZ"
PINNED = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"
RECORDED_SEED = 42069  # what the recorded run's logs say it used
SENT_SEED = 7
PROMPT = "a studio photo of a rainbow colored corgi, but from our UI"


@dataclass
class Replayed:
    srv: ReplayServer
    data_dir: Path
    outcome: Outcome


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replayed]:
    """One Generate press, with a token typed in the page and seed 7 asked for."""
    from playground.service import Service

    data = tmp_path_factory.mktemp("image-replay")
    with ReplayServer(["run", "file-prediction"]) as srv:
        # A loopback URL would be taken for the local engine: say it stands in for Replicate.
        # Its stand-in for replicate.delivery is on loopback too: trusted like the backend.
        service = Service(srv.url, data_dir=data / "app", backend="custom",
                          trusted_origins=[srv.delivery_url])
        demo, url = start_app(service, data / "app", tabs=["image"])
        try:
            client = Client(url, verbose=False, download_files=str(data / "downloads"))
            outcome = call(client, "/image", PROMPT, "", 512, 512, 1, "K_EULER", 50, 7.5,
                           SENT_SEED, False, "sdxl", token=TOKEN)
            yield Replayed(srv, data / "app", outcome)
        finally:
            demo.close()


def _status_lines(outcome: Outcome) -> list[str]:
    return [str(p[2]) for p in outcome.partials if isinstance(p[2], str)]


def test_gallery_shows_the_saved_png(replayed: Replayed) -> None:
    out = replayed.outcome
    assert out.error is None, out.error
    gallery = out.final[0]
    assert len(gallery) == 1
    shown = Path(gallery[0]["image"])
    saved = list((replayed.data_dir / "outputs").glob("*.png"))
    assert len(saved) == 1  # the local copy: Replicate deletes API outputs after an hour
    recorded = load_cassette("file-prediction")[0].body
    assert saved[0].read_bytes() == recorded == shown.read_bytes()
    with Image.open(saved[0]) as img:
        assert img.format == "PNG" and img.size == (1024, 1024)
    # Fetched once from the delivery origin, by the path the prediction named.
    assert [r.path for r in replayed.srv.delivery_requests] == [
        "/pbxt/gDoc64M9pRaQNdZb0evCRgm57WZJ5BKi0T5kzV6qm2tGmd8IA/out-0.png"]


def test_progress_streams_while_processing(replayed: Replayed) -> None:
    statuses = _status_lines(replayed.outcome)
    percents = [int(m) for s in statuses for m in re.findall(r"Processing (\d+)%", s)]
    assert len(percents) >= 3 and percents == sorted(percents) and percents[-1] >= 90
    assert any("Starting" in s for s in statuses)
    logs = [str(p[4]) for p in replayed.outcome.partials if isinstance(p[4], str)]
    assert any("Using seed: 42069" in text for text in logs)


def test_seed_model_version_and_times(replayed: Replayed) -> None:
    _gallery, seed, status, details, _logs = replayed.outcome.final
    # The seed shown is the one the model reports in its logs, not the one we asked for.
    sent = json.loads(replayed.srv.requests[0].body)
    assert sent["input"]["seed"] == SENT_SEED
    assert seed == RECORDED_SEED
    assert "Done" in status and f"1 image, seed {RECORDED_SEED}." in status
    assert "`stability-ai/sdxl`" in details and f"`{PINNED[:12]}…`" in details
    assert "**Predict time** 5.52 s" in details  # the recorded metrics.predict_time
    assert re.search(r"\*\*Total time\*\* \d+\.\d\d s", details), details
    assert f"**Seed used** {RECORDED_SEED}" in details


def test_create_sends_the_pinned_version_and_our_inputs(replayed: Replayed) -> None:
    create = replayed.srv.requests[0]
    assert (create.method, create.path) == ("POST", "/v1/predictions")
    body: dict[str, Any] = json.loads(create.body)
    assert body["version"] == PINNED
    assert body["input"]["prompt"] == PROMPT
    assert body["input"]["width"] == 512 and body["input"]["num_inference_steps"] == 50
    polls = replayed.srv.requests[1:]
    assert polls and all(r.method == "GET" and r.path.startswith("/v1/predictions/")
                         for r in polls)


def test_token_goes_to_the_api_only_and_is_never_shown(replayed: Replayed) -> None:
    api = replayed.srv.requests
    assert api and all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in api)
    # replicate.delivery is another origin: the token must not travel with the download.
    assert replayed.srv.delivery_requests
    assert all("authorization" not in r.headers for r in replayed.srv.delivery_requests)
    out = replayed.outcome
    shown = out.texts() + "\n" + "\n".join(str(v) for v in out.final)
    assert TOKEN not in shown and TOKEN[:12] not in shown


def test_offline_note_only_on_the_local_engine(tmp_path: Path) -> None:
    """Said before anyone clicks: on the local engine, text-to-image cannot run."""
    from playground.service import Service

    note = "no image model runs on this computer"
    # Nothing needs to answer at this address: the note is part of the page itself.
    for backend, expected in (("local", True), ("custom", False)):
        service = Service("http://127.0.0.1:9", data_dir=tmp_path / backend, backend=backend)
        demo, url = start_app(service, tmp_path / backend, tabs=["image"])
        try:
            config = httpx.get(url + "config", timeout=30).text
        finally:
            demo.close()
        assert (note in config) is expected, backend
