"""The Compare tab through its API with gradio_client, on the embedded engine: a comparison of
three local runs, a vote, export, loading the export and running it again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

pytestmark = [pytest.mark.models, pytest.mark.timeout(600)]


def form(portrait: Path) -> list[object]:
    return ["image-to-image", "local/rembg", "local/rembg", "local/real-esrgan", None,
            '{"model": "modnet"}', '{"model": "u2netp"}', '{"scale": 2}', "",
            "", handle_file(str(portrait)), None, 42, ""]


def test_compare_vote_export_load_replay(compare_app: str, portrait: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client(compare_app, verbose=False)
    out = client.predict(*form(portrait), None, api_name="/compare")
    status, summary = out[0], out[1]
    heads = [v for v in out if isinstance(v, str) and v.startswith("**")]
    images = [v["value"] if isinstance(v, dict) else v for v in out[len(heads) + 2:]][:4]
    assert status == "Round 1: 3 of 3 succeeded."
    assert all("succeeded" in h and "free, on this computer" in h for h in heads[:3])
    assert heads[3].endswith("empty") and images[3] is None
    assert all(Path(p).is_file() for p in images[:3]), out
    assert "local/real-esrgan (scale=2)" in summary

    summary = client.predict("better", api_name="/compare_vote_1")
    assert "| local/rembg (model=u2netp) | 1 | 1 | 1 | 0 | 0 |" in summary

    json_path, html_path, said = client.predict(api_name="/compare_export")
    assert said.startswith("Saved")
    saved = json.loads(Path(json_path).read_text())
    assert saved["seed"] == 42 and saved["votes"] == [{"round": 1, "entry": 1,
                                                       "verdict": "better", "blind": False}]
    assert [r["status"] for r in saved["runs"]] == ["succeeded"] * 3
    assert all(r["version"] and r["files"] for r in saved["runs"])
    assert Path(html_path).read_text().count("data:image/png;base64,") == 4  # input + 3 outputs

    # A fresh browser session loads the file and sees the saved outputs...
    other = Client(compare_app, verbose=False)
    loaded = other.predict(handle_file(json_path), api_name="/compare_load")
    assert loaded[0].startswith("Loaded the saved comparison") and "not on this" not in loaded[0]
    assert "| 1 | 1 | 1 | 0 | 0 |" in loaded[1]  # the vote came back with it
    # ...and runs the same inputs again on the pinned versions
    again = other.predict(None, api_name="/compare_again")
    assert again[0] == "Round 2: 3 of 3 succeeded."
    assert "| local/rembg (model=u2netp) | 2 | 2 | 1 | 0 | 0 |" in again[1]


def test_chat_panes_stream_in_the_tab(compare_app: str) -> None:
    client = Client(compare_app, verbose=False)
    job = client.submit(
        "chat", "local/smollm2-135m-instruct", "local/smollm2-135m-instruct", None, None,
        '{"temperature": 0}', '{"temperature": 0.9}', "", "",
        "What is the capital of France?", None, None, 1, '{"max_tokens": 24}', None,
        api_name="/compare")
    final = job.result()
    assert final[0] == "Round 1: 2 of 2 succeeded.", final[0]
    texts = [v["value"] for v in final if isinstance(v, dict) and isinstance(v.get("value"), str)]
    assert "Paris" in texts[0] and texts[1]
    # panes were updated while the answers streamed, before the round finished
    partial = [o for o in job.outputs()[:-1]
               if any(isinstance(v, dict) and v.get("value") and v.get("visible") is True
                      and isinstance(v["value"], str) for v in o)]
    assert partial


def test_grid_in_the_tab(compare_app: str, portrait: Path) -> None:
    client = Client(compare_app, verbose=False)
    grid, status = client.predict(*form(portrait), "local/rembg", "model", "modnet, u2netp",
                                  "ref", "local/rembg", None, api_name="/compare_grid")
    assert status == "Grid: 2 of 2 pictures made."
    from PIL import Image

    from playground.compare import Axis, compose_grid
    from playground.compare.forms import MODEL_AXIS_LABEL

    picture = Image.open(grid).convert("RGB")
    assert picture.width > 2 * 256
    # the picture's caption names its settings as the grid's dropdowns offer them (rembg's
    # `model` is "Model"; `ref` the model itself), not by their input names: the titles'
    # line, above the values, as drawn for those labels (and the width they need)
    expected = compose_grid([[None, None]], Axis("model", ["modnet", "u2netp"], "Model"),
                            Axis("ref", ["local/rembg"], MODEL_AXIS_LABEL))
    assert picture.size == expected.size
    band = (0, 0, picture.width, 28)
    assert picture.crop(band).tobytes() == expected.crop(band).tobytes()


MODEL_WORDS = ("rembg", "esrgan", "modnet", "u2netp", "scale", "local/", "free, on this")


def test_a_blind_round_names_no_model_until_every_output_has_a_vote(
        compare_app: str, portrait: Path) -> None:
    client = Client(compare_app, verbose=False)
    job = client.submit(*form(portrait), None, blind_mode=True, api_name="/compare")
    said = [json.dumps(update, default=str) for update in job]  # every streamed update
    out = job.result()
    said.append(json.dumps(out, default=str))
    for text in said:  # nothing the page gets before the vote names a model or prices it
        assert not any(word in text for word in MODEL_WORDS), text
    assert out[0].startswith("Round 1: 3 of 3 succeeded. Blind:")
    heads = [v for v in out[2:] if isinstance(v, str) and v.startswith("**")]
    assert [h.split("**")[1] for h in heads[:3]] == ["A", "B", "C"]
    assert "Blind round" in out[1]
    # saving would name them: refused, in words
    assert "vote on every output" in client.predict(api_name="/compare_export")[2]

    for pane in (0, 1):
        summary = client.predict("tie", api_name=f"/compare_vote_{pane}")
        assert "Blind round" in summary
    summary = client.predict("better", api_name="/compare_vote_2")  # the last vote
    assert "local/real-esrgan (scale=2)" in summary  # the names show
    json_path, _, said_saved = client.predict(api_name="/compare_export")
    saved = json.loads(Path(json_path).read_text())
    assert saved["blind"] is True and len(saved["blind_rounds"]) == 1
    order = saved["blind_rounds"][0]["order"]
    assert sorted(order) == [0, 1, 2] and saved["blind_rounds"][0]["revealed"] is True
    # each vote is for the entry its pane showed, and counts as blind
    votes = {v["entry"]: (v["verdict"], v["blind"]) for v in saved["votes"]}
    assert votes == {order[0]: ("tie", True), order[1]: ("tie", True),
                     order[2]: ("better", True)}


def test_reveal_shows_the_names_and_the_rounds_votes_stop_counting_as_blind(
        compare_app: str, portrait: Path) -> None:
    client = Client(compare_app, verbose=False)
    client.predict(*form(portrait), None, blind_mode=True, api_name="/compare")
    client.predict("better", api_name="/compare_vote_0")
    shown = client.predict(api_name="/compare_reveal")
    text = json.dumps(shown, default=str)
    assert "local/rembg" in text and "do not count as blind" in text
    json_path, _, _ = client.predict(api_name="/compare_export")
    saved = json.loads(Path(json_path).read_text())
    assert [v["blind"] for v in saved["votes"]] == [False]


def test_the_leaderboard_counts_blind_votes_of_the_comparison_and_of_the_server(
        compare_app: str, portrait: Path) -> None:
    client = Client(compare_app, verbose=False)
    table, csv_path, _ = client.predict("session", "image-to-image",
                                        api_name="/compare_leaderboard")
    assert "No blind votes yet" in table and csv_path is None
    client.predict(*form(portrait), None, blind_mode=True, api_name="/compare")
    for pane, verdict in enumerate(("better", "worse", "tie")):
        client.predict(verdict, api_name=f"/compare_vote_{pane}")
    table, csv_path, json_path = client.predict("session", "image-to-image",
                                                api_name="/compare_leaderboard")
    assert "**3 blind battles** in this comparison" in table
    board = json.loads(Path(json_path).read_text())
    assert board["battles"] == 3 and "Bradley-Terry" in board["method"]
    rows = {r["model"]: r for r in board["rows"]}
    assert set(rows) == {"local/rembg (model=modnet)", "local/rembg (model=u2netp)",
                         "local/real-esrgan (scale=2)"}
    assert sorted((r["wins"], r["losses"], r["ties"]) for r in rows.values()) == [
        (0, 2, 0), (1, 1, 0), (2, 0, 0)]
    assert Path(csv_path).read_text().startswith("rank,model,rating")
    # the server's board has this browser's votes too, and those of other sessions
    table, _, json_path = client.predict("server", "image-to-image",
                                         api_name="/compare_leaderboard")
    assert "in every comparison of this task on this server" in table
    assert json.loads(Path(json_path).read_text())["battles"] >= 3


def test_the_arena_runs_two_models_of_the_pool_blind(compare_app: str, portrait: Path) -> None:
    client = Client(compare_app, verbose=False)
    inputs = {"task": "image-to-image", "prompt": "", "image": handle_file(str(portrait)),
              "audio": None, "seed": 42, "shared_inputs": ""}
    refused = client.predict(pool=["local/rembg"], **inputs, api_name="/compare_arena")
    assert "at least two models" in refused[0]
    pool = ["local/rembg", "local/real-esrgan", "local/face-enhance"]
    out = client.predict(pool=pool, **inputs, api_name="/compare_arena")
    assert out[0].startswith("Round 1: 2 of 2 succeeded. Blind:"), out[0]
    text = json.dumps(out, default=str)
    assert not any(word in text for word in ("rembg", "esrgan", "face-enhance", "local/")), text
    client.predict("better", api_name="/compare_vote_0")
    summary = client.predict("worse", api_name="/compare_vote_1")
    shown = [ref for ref in pool if ref in summary]
    assert len(shown) == 2, summary  # the two drawn, named once voted on


def test_a_shared_session_takes_each_browsers_votes_once_and_the_export_has_them(
        compare_app: str, portrait: Path) -> None:
    host = Client(compare_app, verbose=False)
    assert "Nothing to share yet" in host.predict(api_name="/compare_share")[-1]
    host.predict(*form(portrait), None, blind_mode=True, api_name="/compare")
    link, _, tally = host.predict(api_name="/compare_share")  # (link, its timer, the tally)
    assert link.startswith("?tab=compare&session=") and "none yet" in tally
    room = link.rsplit("=", 1)[1]

    for _ in range(2):
        voter = Client(compare_app, verbose=False)  # a browser of its own
        shown = voter.predict(room, api_name="/compare_room_open")
        text = json.dumps(shown, default=str)
        assert "You are voting on a shared comparison" in text
        assert not any(word in text for word in MODEL_WORDS), text  # blind for the room
        first = voter.predict("better", api_name="/compare_vote_0")
        assert "Not counted" not in first
        again = voter.predict("worse", api_name="/compare_vote_0")  # the same output again
        assert "Not counted" in again and "already voted" in again
        voter.predict("tie", api_name="/compare_vote_1")
        names = voter.predict("worse", api_name="/compare_vote_2")  # the last: names shown
        assert "local/real-esrgan (scale=2)" in names

    nowhere = Client(compare_app, verbose=False)
    for bad in ("0" * 12, "../../etc", "x" * 5000):
        said = nowhere.predict(bad, api_name="/compare_room_open")
        assert "is not here" in json.dumps(said)

    host.predict(api_name="/compare_reveal")  # the host saves once the names are shown
    json_path, html_path, _ = host.predict(api_name="/compare_export")
    saved = json.loads(Path(json_path).read_text())
    assert len(saved["room_votes"]) == 6 and len({v["voter"] for v in saved["room_votes"]}) == 2
    assert all(len(v["voter"]) == 24 for v in saved["room_votes"])  # opaque ids only
    assert sorted(v["verdict"] for v in saved["room_votes"]) == ["better"] * 2 + ["tie"] * 2 + [
        "worse"] * 2
    assert "Votes from the room" in Path(html_path).read_text()
