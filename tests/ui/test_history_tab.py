"""The History tab's handlers, as plain functions on a real store (no page needed)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from playground.history import FinishedRun, InputFile, RunStore
from playground.history.runs import RunHistory
from playground.ui.history import view as tab

ME = "ui-history-owner-0123456"
OTHER = "ui-history-other-0123456"


def _png(color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buf, format="PNG")
    return buf.getvalue()


def _run(**fields: object) -> FinishedRun:
    base: dict[str, object] = {
        "task": "image", "tab": "image", "model": "stability-ai/sdxl", "version": "v" * 64,
        "backend_kind": "local", "backend_url": "http://127.0.0.1:8008", "status": "succeeded",
        "inputs": {"prompt": "a fox", "seed": 3}, "metrics": {"predict_time": 1.0}}
    base.update(fields)
    return FinishedRun(**base)  # type: ignore[arg-type]


@pytest.fixture
def history(tmp_path: Path) -> RunHistory:
    store = RunStore(tmp_path / "data")
    yield RunHistory(store)
    store.close()


def test_pages_move_forward_and_back(history: RunHistory) -> None:
    for i in range(tab.PAGE_SIZE * 2 + 3):
        history.store.record(_run(inputs={"prompt": f"fox {i}"}, started_at=1000.0 + i), ME)
    filters = tab.filters_of("", "", "", "", "Any time")
    rows, said, view = tab.list_runs(history, ME, tab.View(), filters)
    assert len(rows) == tab.PAGE_SIZE and said.startswith(f"Runs 1–{tab.PAGE_SIZE} of 27")
    assert "fox 26" in rows[0][1]  # newest first
    rows, said, view = tab.list_runs(history, ME, view, filters, move=1)
    assert said.startswith(f"Runs {tab.PAGE_SIZE + 1}–{2 * tab.PAGE_SIZE} of 27")
    rows, said, view = tab.list_runs(history, ME, view, filters, move=1)
    assert len(rows) == 3 and view.next_cursor is None
    rows, said, view = tab.list_runs(history, ME, view, filters, move=-1)
    assert said.startswith(f"Runs {tab.PAGE_SIZE + 1}–")
    rows, said, view = tab.list_runs(history, ME, view, filters, move=0)
    assert said.startswith("Runs 1–")


def test_filters_and_search(history: RunHistory) -> None:
    history.store.record(_run(inputs={"prompt": "a lighthouse"}), ME)
    history.store.record(_run(task="upscale", tab="upscale", inputs={"scale": 2}), ME)
    history.store.record(_run(status="failed", error="boom"), ME)
    history.store.record(_run(inputs={"prompt": "a lighthouse too"}), OTHER)
    count = lambda **f: len(tab.list_runs(history, ME, tab.View(),  # noqa: E731
                                          tab.filters_of(**f))[0])
    base = {"search": "", "task": "", "model": "", "status": "", "when": "Any time"}
    assert count(**base) == 3
    assert count(**{**base, "search": "lighthouse"}) == 1
    assert count(**{**base, "task": "upscale"}) == 1
    assert count(**{**base, "status": "failed"}) == 1
    assert count(**{**base, "when": "Last hour"}) == 3
    rows, said, _ = tab.list_runs(history, ME, tab.View(),
                                  tab.filters_of("nothing-like-this", "", "", "", ""))
    assert rows == [] and said.startswith("No runs match.")
    rows, said, _ = tab.list_runs(history, "", tab.View(), tab.filters_of("", "", "", "", ""))
    assert said.startswith("No runs yet")


def test_rows_show_thumbnails_snippets_and_escape_html(history: RunHistory) -> None:
    image = _png((200, 10, 10))
    history.store.record(_run(task="upscale", tab="upscale", inputs={
        "image": InputFile(image), "scale": 4}, status="failed", error="x"), ME)
    history.store.record(_run(inputs={"prompt": "<script>alert(1)</script>"}), ME)
    rows, _, _ = tab.list_runs(history, ME, tab.View(), tab.Filters())
    script, upscale = rows
    assert "<script>" not in script[1] and "&lt;script&gt;" in script[1]
    assert script[0] is None  # no image at all
    assert upscale[0] is not None and Path(upscale[0]).read_bytes() == image  # its input
    assert "Scale: 4" in upscale[1] and "failed" in upscale[1]


def test_a_row_shows_inputs_as_a_person_reads_them(history: RunHistory) -> None:
    """Labels, Yes/No and a file by its kind: never `face_enhance false` or the hashed name
    the file is kept under."""
    record = history.store.record(_run(task="upscale", tab="upscale", inputs={
        "image": InputFile(_png((9, 9, 9))), "scale": 2, "face_enhance": False,
        "api_key": "r8_" + "k" * 30}), ME)
    [(_, shown, _)] = tab.list_runs(history, ME, tab.View(), tab.Filters())[0]
    assert "Image: an image · Scale: 2 · Face enhance: No" in shown
    stored = record.input_files()["image"]
    assert stored.split(".")[0] not in shown and "false" not in shown and "api" not in shown.lower()
    recording = history.store.record(_run(task="transcribe", tab="transcribe", inputs={
        "audio": _wav(history), "translate": True}), ME)
    assert tab.settings_text(recording) == "Audio: a recording · Translate: Yes"


def _wav(history: RunHistory) -> Path:
    path = history.store.files.folder.parent / "take.wav"
    path.write_bytes(b"RIFF\x24\0\0\0WAVEfmt " + bytes(28))
    return path


def test_the_storage_figure_is_the_servers_and_only_beside_runs(history: RunHistory) -> None:
    """Another browser's runs fill the store; a browser with none is not shown their size."""
    history.store.record(_run(inputs={"image": InputFile(_png((1, 2, 3)))}), OTHER)
    _, said, _ = tab.list_runs(history, ME, tab.View(), tab.Filters())
    assert said == "No runs yet: every run you make in any tab appears here."
    history.store.record(_run(), ME)
    _, said, _ = tab.list_runs(history, ME, tab.View(), tab.Filters())
    assert said.startswith("Runs 1–1 of 1 · ") and "kept on this server (all browsers' runs)" \
        in said


def test_a_local_run_is_free_wherever_its_cost_shows(history: RunHistory) -> None:
    """The engine's runs say what Compare says (no dollar estimate of a free run); a
    Replicate run keeps its estimate, in Compare's wording."""
    from playground.compare import PriceTable, cost_text
    from playground.results import RunResult
    from playground.ui.tabs.model_notes import cost_line

    local = history.store.record(_run(task="upscale", tab="upscale",
                                      model="local/real-esrgan", cost_usd=0.00061), ME)
    head = tab.details_markdown(local)
    assert f"**Cost** {cost_text('local/real-esrgan', None)}" in head and "$" not in head
    assert "free, on this computer" in head
    cloud = history.store.record(_run(backend_kind="replicate", cost_usd=0.0021), ME)
    assert "**Cost** ~$0.0021 (estimate)" in tab.details_markdown(cloud)
    ran = RunResult("p1", "local/real-esrgan", "v1", {}, "succeeded",
                    metrics={"predict_time": 6.1})
    assert cost_line(PriceTable.load(), ran) == [f"**Cost** {cost_text(ran.model, None)}"]


def test_opening_a_run_shows_everything_and_never_anothers(history: RunHistory,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "data" / "outputs" / "0123012301230123.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(_png((1, 200, 1)))
    record = history.store.record(_run(output=[out], logs="step 1", prediction_id="pp1",
                                       cost_usd=0.0021,
                                       inputs={"prompt": "a fox", "api_key": "r8_" + "k" * 30}),
                                  ME)
    detail = tab.Detail(*[object() for _ in range(13)])  # stand-ins: only keys matter here
    shown = tab.open_updates(history, detail, history.get(ME, record.id))
    # The model, the server and the prediction id are under Details, not in the first lines.
    assert "stability-ai/sdxl" in shown[detail.technical] and "pp1" in shown[detail.technical]
    assert "stability-ai/sdxl" not in shown[detail.head] and "http" not in shown[detail.head]
    assert "~$0.0021 (estimate)" in shown[detail.head]
    assert shown[detail.inputs] == {"prompt": "a fox", "api_key": "(secret, not kept)"}
    assert shown[detail.logs] == "step 1"
    missing = tab.open_updates(history, detail, history.get(OTHER, record.id))
    assert "Not found" in missing[detail.hint].value
    bundle = tab.bundle(history, ME, record.id)
    assert bundle is not None and zipfile.is_zipfile(bundle)
    assert str(history.store.files.folder) not in bundle  # never written into the outputs
    assert tab.bundle(history, OTHER, record.id) is None


def test_when_text() -> None:
    now = 1_764_000_000.0
    assert tab.when_text(now - 5, now) == "just now"
    assert tab.when_text(now - 600, now) == "10 min ago"
    assert tab.when_text(now - 400 * 86400, now).count(" ") == 3  # "28 Oct 2024, 12:00"


def test_running_and_interrupted_runs_are_listed_as_such(tmp_path: Path) -> None:
    """A run shows in the list while it runs (its text so far), and one whose app died shows
    as interrupted, found by the status filter; a reloaded tab shows neither as its result."""
    first = RunStore(tmp_path / "data")
    chat = {"task": "chat", "tab": "chat", "model": "local/smollm2-135m-instruct",
            "inputs": {"prompt": "Tell me a story"}}
    running = first.begin(_run(**chat, status="starting"), ME).id
    first.progress(running, status="processing", output=["Once upon"], logs="")
    live = RunHistory(first)
    rows, _, _ = tab.list_runs(live, ME, tab.View(), tab.filters_of("", "", "", "", ""))
    assert "processing" in rows[0][1] and "pill run" in rows[0][1]
    assert live.last(ME, "chat") is None  # not a result yet
    first.close()  # the app is gone mid-run

    history = RunHistory(RunStore(tmp_path / "data"))
    try:
        [record] = history.page(ME).runs
        assert record.status == "interrupted" and record.output == ["Once upon"]
        rows, _, _ = tab.list_runs(history, ME, tab.View(),
                                   tab.filters_of("", "", "", "interrupted", ""))
        assert len(rows) == 1 and "pill warn" in rows[0][1] and "interrupted" in rows[0][1]
        assert ("Interrupted", "interrupted") in tab.STATUSES
        head = tab.details_markdown(record)
        assert "Interrupted" in head and "playground stopped while this ran" in head
        assert tab.output_text(record) == "Once upon"
        assert history.last(ME, "chat") == record  # ended: a reload says so
    finally:
        history.store.close()


def test_a_reloaded_tab_says_its_run_was_interrupted(tmp_path: Path) -> None:
    """The page's load after a restart: the chat tab's status says why its last run did not
    finish (never "failed", never a canceled run)."""
    import gradio as gr

    from playground.service import BrowserKeys, Service
    from playground.ui.app import build_app
    from playground.ui.context import make_context
    from playground.ui.history.tab import last_runs

    secret = "ui-tests-browser-secret"
    keys = BrowserKeys(secret.encode())
    cookie = keys.new_cookie()  # the reloaded page's browser, known by its owner cookie
    browser = keys.browser(cookie)
    assert browser is not None
    first = RunStore(tmp_path / "data")
    first.begin(_run(task="chat", tab="chat", status="starting",
                     inputs={"prompt": "Tell me a story"}), browser.owner)
    first.close()  # the app is gone mid-run
    store = RunStore(tmp_path / "data")
    try:
        service = Service("https://api.replicate.com", token="r8_not_used",
                          data_dir=tmp_path / "data", history=RunHistory(store))
        ctx = make_context(service, browser_secret=secret)
        build_app(ctx, tabs=["chat", "history"])
        request = gr.Request(session_hash="reloaded-page", cookies={keys.cookie_name: cookie})
        shown = last_runs(ctx, request)
        [status] = [v for v in shown.values() if isinstance(v, str)]
        assert "Interrupted" in status and "Last run failed" not in status
        assert "did not finish: the playground stopped while this ran" in status
        assert "run it again" in status
    finally:
        store.close()
