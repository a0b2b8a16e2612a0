"""A prompt set's files: by URL (checked in plain words, passed on as the value) or from a zip
(beside the set, or holding it), every hostile zip refused with one sentence; and a 2-input
image set from a zip run through the app on the engine."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from PIL import Image

from playground.compare import set_files
from playground.compare.forms import FormProblem
from playground.compare.prompt_set import from_file, plan, read_set
from playground.compare.session import CompareSession, Entry

IMAGE = frozenset({"image"})


def _png(colour: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buf, format="PNG")
    return buf.getvalue()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_urls_pass_as_they_are(tmp_path: Path, isolated_env: Path) -> None:
    items = read_set(None, _csv(tmp_path / "s.csv", "image,scale\n"
                                "https://example.com/cat.png,2\nhttp://8.8.8.8/a.jpg,4\n"),
                     None, IMAGE, isolated_env)
    assert items == [{"image": "https://example.com/cat.png", "scale": 2},
                     {"image": "http://8.8.8.8/a.jpg", "scale": 4}]
    # a URL in a field that is not a file is text, as before (a prompt may be a link)
    assert read_set('{"prompt": "http://localhost/x"}', None, None, IMAGE,
                    isolated_env) == [{"prompt": "http://localhost/x"}]


@pytest.mark.parametrize(("value", "said"), [
    ("file:///etc/passwd", "only http:// and https:// URLs"),
    ("/etc/passwd", "is not an http(s) URL"),
    ("cat.png", "is not an http(s) URL"),
    ("http://127.0.0.1/a.png", "private, local or reserved address"),
    ("http://169.254.169.254/latest/meta-data", "private, local or reserved address"),
    ("http://[::ffff:10.0.0.1]/a.png", "private, local or reserved address"),
    ("http://localhost:8000/a.png", "a local name"),
    ("http://printer.local/a.png", "a local name"),
    ("http://2130706433/a.png", "a local name"),
    ("http://0x7f.0.0.1/a.png", "a local name"),
    ("https://exa mple.com/a.png", "a space in it"),
    ("https://user:pw@example.com/a.png", "user name or password"),
    ("ftp://example.com/a.png", "only http:// and https://"),
])
def test_a_bad_url_is_one_sentence_naming_line_and_field(tmp_path: Path, isolated_env: Path,
                                                         value: str, said: str) -> None:
    upload = _csv(tmp_path / "s.csv", f"image\nhttps://example.com/ok.png\n{value}\n")
    with pytest.raises(FormProblem) as caught:
        read_set(None, upload, None, IMAGE, isolated_env)
    assert str(caught.value).startswith("Line 3 of the prompt set, field 'image': ")
    assert said in str(caught.value)


def _stored(isolated_env: Path, name: str) -> bytes:
    path = isolated_env / name
    assert name.startswith("compare/inputs/") and path.is_file()
    return path.read_bytes()


def test_files_from_a_zip_beside_the_set_and_in_one_zip(tmp_path: Path,
                                                       isolated_env: Path) -> None:
    red, blue = _png("red"), _png("blue")
    files = _zip(tmp_path / "files.zip", {"a.png": red, "pics/b.png": blue})
    upload = _csv(tmp_path / "s.csv", "image,scale\na.png,2\n./pics/b.png,4\na.png,8\n")
    items = read_set(None, upload, files, IMAGE, isolated_env)
    assert [i["scale"] for i in items] == [2, 4, 8]
    assert all(isinstance(i["image"], set_files.StoredFile) for i in items)
    assert items[0]["image"] == items[2]["image"]  # one file named twice is kept once
    assert _stored(isolated_env, items[0]["image"].name) == red
    assert _stored(isolated_env, items[1]["image"].name) == blue
    # the app's names (a hash), never the member's; nothing left in the unpacking folder
    assert "pics" not in items[1]["image"].name and "b.png" not in items[1]["image"].name
    assert items[1]["image"].name.endswith(".png")
    assert not any((isolated_env / "compare" / "unpacking").iterdir())

    # typed JSON lines may name the zip's files too
    typed = read_set('{"image": "a.png", "prompt": "x"}', None, files, IMAGE, isolated_env)
    assert typed[0]["image"] == items[0]["image"]

    # one zip holding the set and its files (JSONL here)
    both = _zip(tmp_path / "set.zip", {"set/inputs.jsonl": b'{"image": "b.png"}\n',
                                        "__MACOSX/set/._inputs.jsonl": b"\x00\x05",
                                        "b.png": blue})
    items = read_set(None, both, None, IMAGE, isolated_env)
    assert _stored(isolated_env, items[0]["image"].name) == blue


def test_a_set_from_a_zip_is_planned_and_its_rounds_send_their_own_file(
        tmp_path: Path, isolated_env: Path) -> None:
    files = _zip(tmp_path / "f.zip", {"a.png": _png("red"), "b.png": _png("blue")})
    items = read_set(None, _csv(tmp_path / "s.csv", "image\na.png\nb.png\n"
                                "https://example.com/c.png\n"), files, IMAGE, isolated_env)
    session = CompareSession(task="image-to-image", entries=[Entry(ref="a/b"), Entry(ref="c/d")])
    plan(session, items)
    sent = [session.entry_parts(0, isolated_env, r.round)[0]["image"]
            for r in session.round_inputs]
    assert [p.read_bytes() for p in sent[:2]] == [_png("red"), _png("blue")]
    assert sent[2] == "https://example.com/c.png"
    # kept in the session file as the app's own names, checked again when it is loaded
    again = CompareSession.model_validate_json(session.model_dump_json())
    assert again.round_inputs[0].files == {"image": items[0]["image"].name}


def _symlink_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo("a.png")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    return path


def _lying_zip(path: Path) -> Path:
    """A member that says it unpacks to 10 bytes and holds 5,000 (its headers patched)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.png", b"x" * 5000)
    data = bytearray(buf.getvalue())
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 22:local + 26] = (10).to_bytes(4, "little")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def _big_zip(path: Path, sizes: list[int]) -> Path:
    """Zeros: a few kB of zip that unpack to `sizes` (a zip bomb, declared honestly)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for n, size in enumerate(sizes):
            with z.open(f"{n}.png", "w", force_zip64=True) as out:
                block = bytes(1024 * 1024)
                for _ in range(size // len(block)):
                    out.write(block)
    return path


MB = 1024 * 1024


@pytest.mark.parametrize(("make", "said"), [
    (lambda p: _zip(p, {"../a.png": b"x"}), "a file named '../a.png' (an absolute path, '..'"),
    (lambda p: _zip(p, {"/tmp/a.png": b"x"}), "a file named '/tmp/a.png'"),
    (lambda p: _zip(p, {"C:\\a.png": b"x"}), "a strange character"),
    (_symlink_zip, "The zip holds a link ('a.png'): refused."),
    (lambda p: _zip(p, {f"{n}.png": b"" for n in range(2001)}), "more than 2,000 entries"),
    (lambda p: _big_zip(p, [51 * MB]), "The zip's file '0.png' is larger than 50 MB unpacked."),
    (lambda p: _big_zip(p, [45 * MB] * 5), "The zip's files are larger than 200 MB unpacked."),
    (_lying_zip, "The zip's file 'a.png'"),
    (lambda p: (p.write_bytes(b"not a zip"), p)[1], "The zip could not be read"),
    (lambda p: _zip(p, {"b.png": b"x"}), "Line 2 of the prompt set, field 'image': the zip "
     "holds no file named 'a.png'."),
])
def test_a_hostile_zip_is_one_plain_sentence(tmp_path: Path, isolated_env: Path, make: object,
                                             said: str) -> None:
    files = make(tmp_path / "f.zip")  # type: ignore[operator]
    upload = _csv(tmp_path / "s.csv", "image\na.png\n")
    with pytest.raises(FormProblem) as caught:
        read_set(None, upload, files, IMAGE, isolated_env)
    assert said in str(caught.value), str(caught.value)
    assert "\n" not in str(caught.value) and "Traceback" not in str(caught.value)
    unpacking = isolated_env / "compare" / "unpacking"
    assert not unpacking.exists() or not any(unpacking.iterdir())  # nothing left behind


def test_bytes_are_counted_while_unpacking(tmp_path: Path, isolated_env: Path) -> None:
    """Limits lowered after the zip was checked stand for headers that lie: the bytes
    counted while unpacking stop it all the same."""
    files = _zip(tmp_path / "f.zip", {"a.png": bytes(2 * MB), "b.png": bytes(2 * MB)})
    data = _csv(tmp_path / "s.csv", "image\na.png\nb.png\n").read_bytes()
    for limit, value, said in [("MAX_TOTAL_BYTES", 3 * MB, "files unpack to more than 3 MB"),
                               ("MAX_MEMBER_BYTES", MB, "'a.png' unpacks to more than it "
                                "says or than 1 MB")]:
        with set_files.SetZip(files) as held, pytest.MonkeyPatch.context() as mp:
            mp.setattr(set_files, limit, value)
            with pytest.raises(FormProblem, match=said):
                from_file("s.csv", data, set_files.SetFiles(IMAGE, held, isolated_env))
    assert not any((isolated_env / "compare" / "unpacking").iterdir())


def test_a_zip_set_that_holds_no_set_or_two(tmp_path: Path, isolated_env: Path) -> None:
    with pytest.raises(FormProblem, match="holds no CSV or JSONL file"):
        read_set(None, _zip(tmp_path / "a.zip", {"a.png": b"x"}), None, IMAGE, isolated_env)
    with pytest.raises(FormProblem, match="holds 2 CSV/JSONL files"):
        read_set(None, _zip(tmp_path / "b.zip", {"a.csv": b"image\n", "b.jsonl": b"{}"}),
                 None, IMAGE, isolated_env)
    with pytest.raises(FormProblem, match="Upload one zip"):
        read_set(None, _zip(tmp_path / "c.zip", {"a.csv": b"image\n"}),
                 tmp_path / "c.zip", IMAGE, isolated_env)


def _pixels(value: object) -> bytes:
    path = value["value"] if isinstance(value, dict) else value
    return Image.open(str(path)).convert("RGBA").tobytes()


@pytest.mark.models
@pytest.mark.timeout(600)
@pytest.mark.parametrize("one_zip", [True, False])
def test_an_image_set_from_a_zip_runs_every_input_on_the_engine(
        compare_app: str, tiny_image: Path, tmp_path: Path, one_zip: bool) -> None:
    """Two images from a zip (holding the set, or beside its CSV), no shared image uploaded:
    each input is a round of both entries, each run on its own image, each with an output."""
    second = Image.open(tiny_image).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    buf = io.BytesIO()
    second.save(buf, format="PNG")
    images = {"one.png": tiny_image.read_bytes(), "images/two.png": buf.getvalue()}
    csv_text = b"image\none.png\nimages/two.png\n"
    if one_zip:
        upload, files = _zip(tmp_path / "set.zip", {"set.csv": csv_text, **images}), None
    else:
        upload = tmp_path / "set.csv"
        upload.write_bytes(csv_text)
        files = handle_file(str(_zip(tmp_path / "images.zip", images)))
    client = Client(compare_app, verbose=False)
    args = ["", handle_file(str(upload)), "image-to-image", "local/rembg", "local/rembg", None,
            None, '{"model": "modnet"}', '{"model": "u2netp"}', "", "", "", None, None, 42, ""]
    out = client.predict(*args, files=files, api_name="/compare_set")
    assert out[-1].startswith("4 of 4 done"), out[-1]

    json_path = client.predict(api_name="/compare_export")[0]
    saved = json.loads(Path(json_path).read_text())
    rounds = saved["round_inputs"]
    assert len(rounds) == 2 and rounds[0]["files"]["image"] != rounds[1]["files"]["image"]
    assert saved["input_files"] == {}  # no shared image: each round sent its own
    done = [r for r in saved["runs"] if r["status"] == "succeeded"]
    assert sorted((r["round"], r["entry"]) for r in done) == sorted(
        (r["round"], e) for r in rounds for e in (0, 1))
    assert all(r["files"] for r in done)  # every run made an image
    # the two inputs' panes show two different outputs (each round ran on its own image)
    first = client.predict(1, api_name="/compare_set_show")[6:8]
    other = client.predict(2, api_name="/compare_set_show")[6:8]
    assert all(v is not None for v in [*first, *other])
    assert _pixels(first[0]) != _pixels(other[0]) and _pixels(first[1]) != _pixels(other[1])


@pytest.fixture(scope="module")
def url_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The engine with local/rembg, fetching URLs on loopback (where the test's images are)."""
    from playground.engine.models import registry
    from playground.engine.server import EngineThread

    models = [m for m in registry() if m.ref == "local/rembg" and m.availability() is None]
    if not models:
        pytest.skip("local/rembg's weights are not installed (playground models pull)")
    engine = EngineThread(models, tmp_path_factory.mktemp("engine"),
                          allow_private_urls=True).start()
    try:
        yield engine.url
    finally:
        engine.stop()


@pytest.mark.models
@pytest.mark.timeout(600)
async def test_an_image_set_of_urls_runs_each_url_on_the_engine(
        url_engine: str, tiny_image: Path, isolated_env: Path) -> None:
    """Each input's URL is the input value the backend gets, and fetches: both inputs run.
    (The URLs are on loopback, which the parser rightly refuses, so the set is planned from
    what it returns for public URLs: the same strings.)"""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from playground.compare import PriceTable, Runner
    from playground.compare.prompt_set import missing
    from playground.compare.service_backend import ServiceBackend
    from playground.service import Service
    from tests.engine.conftest import AppThread

    flipped = io.BytesIO()
    Image.open(tiny_image).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(flipped, "PNG")
    images = {"/one.png": tiny_image.read_bytes(), "/two.png": flipped.getvalue()}
    fetched: list[str] = []

    async def image(request: object) -> Response:
        fetched.append(request.url.path)  # type: ignore[attr-defined]
        return Response(images[request.url.path], media_type="image/png")  # type: ignore[attr-defined]

    host = AppThread(Starlette(routes=[Route(p, image) for p in images]))
    with host:
        urls = [host.url + p for p in images]
        session = CompareSession(task="image-to-image", entries=[
            Entry(ref="local/rembg", overrides={"model": "modnet"}),
            Entry(ref="local/rembg", overrides={"model": "u2netp"})])
        plan(session, [{"image": u} for u in urls])
        svc = Service(base_url=url_engine, data_dir=isolated_env)
        try:
            runner = Runner(ServiceBackend(svc), prices=PriceTable.load(), data_dir=isolated_env)
            async for _ in runner.run_set(session, missing(session)):
                pass
        finally:
            await svc.aclose()
    runs = {(r.round, r.entry): r for r in session.runs}
    assert len(runs) == 4 and all(r.status == "succeeded" and r.files for r in runs.values()), [
        (r.status, r.error) for r in runs.values()]
    assert sorted(fetched) == sorted([*images] * 2)  # each URL fetched by each entry's run
    assert {runs[(r.round, 0)].input["image"] for r in session.round_inputs} == set(urls)
    outputs = [(isolated_env / runs[(r.round, 0)].files[0]).read_bytes()
               for r in session.round_inputs]
    assert outputs[0] != outputs[1]
