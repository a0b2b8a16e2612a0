"""Export to JSON and HTML, and loading an export back (the replay's first half)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from PIL import Image
from pydantic import ValidationError

from playground.compare import (
    CompareSession,
    Entry,
    GridRecord,
    Run,
    export_html,
    export_json,
    load_json,
    missing_files,
)


def sample(data: Path) -> CompareSession:
    out = data / "outputs"
    out.mkdir(parents=True)
    Image.new("RGB", (8, 8), (0, 200, 0)).save(out / "a.png")
    Image.new("RGB", (8, 8), (200, 0, 0)).save(out / "b.png")
    s = CompareSession(
        task="image-to-image",
        entries=[Entry(ref="local/rembg", label="MODNet", overrides={"model": "modnet"}),
                 Entry(ref="local/rembg", label="U2-Net-p <p>", overrides={"model": "u2netp"})],
        inputs={"threshold": 0.5},
        seed=7,
    )
    s.runs = [
        Run(round=1, entry=0, status="succeeded", prediction_id="p1", model="local/rembg",
            version="v" * 64, metrics={"predict_time": 0.4, "total_time": 0.6},
            cost_usd=0.00004, files=["outputs/a.png"], input={"model": "modnet", "seed": 7}),
        Run(round=1, entry=1, status="failed", prediction_id="p2", model="local/rembg",
            error="Out of <memory>", files=["outputs/b.png", "outputs/gone.png"]),
    ]
    s.vote(1, 0, "better")
    s.vote(1, 1, "worse")
    s.grids = [GridRecord(ref="local/rembg", x_name="model", x_values=["a/b"], y_name="seed",
                          y_values=[1], image="outputs/a.png")]
    return s


def test_json_round_trip(isolated_env: Path, tmp_path: Path) -> None:
    s = sample(isolated_env)
    path = export_json(s, tmp_path / "export" / "session.json")
    loaded = load_json(path)
    assert loaded == s
    assert load_json(path.read_text()) == s and load_json(path.read_bytes()) == s
    assert loaded.round_runs()[0].pinned_ref == "local/rembg:" + "v" * 64
    assert loaded.summary()[0].wins == 1
    assert missing_files(loaded) == ["outputs/gone.png"]


def test_load_refuses_other_files(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        load_json(b'{"format": "something-else", "task": "chat", "entries": []}')


def test_html_is_self_contained(isolated_env: Path, tmp_path: Path) -> None:
    s = sample(isolated_env)
    text = export_html(s, tmp_path / "report.html").read_text()
    # images embedded as data URIs, and nothing fetched from anywhere else
    uris = re.findall(r'src="(data:image/png;base64,[^"]+)"', text)
    assert len(uris) == 3  # two panes' existing images + the grid
    raw = base64.b64decode(uris[0].split(",", 1)[1])
    assert raw == (isolated_env / "outputs/a.png").read_bytes()
    assert not re.search(r'(src|href)="(https?:)?//', text)
    assert "gone.png (not embedded" in text
    # user text is escaped, costs are labelled estimates, votes and metrics are shown
    assert "U2-Net-p &lt;p&gt;" in text and "Out of &lt;memory&gt;" in text
    assert "free, on this computer" in text and "0.40 s" in text  # a local run: no dollars
    assert "Your vote: better than the others" in text


def test_report_is_in_plain_words_and_local_runs_are_free(isolated_env: Path,
                                                          tmp_path: Path) -> None:
    """Issue 10 point 5: no dollar estimate for a run on this computer, no developer words."""
    from playground.compare import CompareSession, Entry, Run

    session = CompareSession(task="chat", entries=[Entry(ref="local/a"), Entry(ref="local/b")],
                             inputs={"prompt": "hi"})
    session.runs = [Run(round=1, entry=i, status="succeeded", model=f"local/{n}", text=t,
                        metrics={"predict_time": p}, cost_usd=0.5)
                    for i, (n, t, p) in enumerate([("a", "same", 1.0), ("b", "same", 3.0)])]
    text = export_html(session, tmp_path / "plain.html").read_text()
    assert "free, on this computer" in text and "$" not in text
    assert "local/a is 3.0x faster than local/b" in text
    assert "local/a and local/b gave the same output." in text
    for word in ("JSON", "predict", "overrides", "estimate"):
        assert word not in text, word
