"""The body reader that sets long data URIs aside (`engine/spool.py`): whatever the chunks,
the JSON means what it said, and a set-aside file decodes to the bytes sent."""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from playground.engine.spool import LITERAL_MIN, SpooledBody

BLOB = os.urandom(3 * LITERAL_MIN + 5)
URI = "data:image/png;base64," + base64.b64encode(BLOB).decode()


def _read(raw: bytes, size: int, folder: Path) -> tuple[SpooledBody, Any]:
    body = SpooledBody(folder)
    for i in range(0, len(raw), size):
        body.feed(raw[i:i + size])
    body.finish()
    return body, json.loads(bytes(body.skeleton))


def _restored(body: SpooledBody, value: Any) -> Any:
    if isinstance(value, dict):
        return {_restored(body, k): _restored(body, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_restored(body, v) for v in value]
    return body.text(value) if body.get(value) else value


def _decoded(body: SpooledBody, key: str) -> bytes:
    out = io.BytesIO()
    assert body.decode_to(key, out, len(BLOB) + 10) == len(out.getvalue())
    return out.getvalue()


@pytest.mark.parametrize("size", [1, 5, 6, 7, 4096, 10**9])
def test_the_json_means_what_it_said(tmp_path: Path, size: int) -> None:
    wrapped = "\n".join(URI[i:i + 76] for i in range(0, len(URI), 76))  # MIME-style lines
    value = {
        "input": {"image": URI, "small": "data:text/plain;base64,aGk=",
                  "lines": wrapped, "list": [URI, 1, "x"],
                  "prompt": 'she said "data:' + "A" * LITERAL_MIN + '" twice'},
        URI: "a key", "percent": "data:text/plain," + "%41" * LITERAL_MIN,
    }
    for raw in (json.dumps(value).encode(), json.dumps(value).replace("/", "\\/").encode()):
        body, parsed = _read(raw, size, tmp_path)
        assert len(body.skeleton) < 5 * LITERAL_MIN  # the prompt and the percent one stay
        assert len(body.literals) == 4  # image, lines, list.0, the key
        assert _restored(body, parsed) == value
        for key in body.literals:
            assert _decoded(body, key) == BLOB
        body.close()


def test_what_json_refuses_or_is_not_ascii_is_left_to_the_parser(tmp_path: Path) -> None:
    accented = URI + "\u00e9"
    body, parsed = _read(json.dumps({"a": accented}, ensure_ascii=False).encode(), 4096,
                         tmp_path)
    assert parsed == {"a": accented} and not body.literals
    broken = json.dumps({"a": URI}).encode()[:-2] + b'\n"}'  # a raw line break in a string
    with pytest.raises(ValueError):  # invalid, as it was before
        _read(broken, 4096, tmp_path)


def test_a_cut_off_body_stays_invalid(tmp_path: Path) -> None:
    raw = json.dumps({"input": {"image": URI}}).encode()
    body = SpooledBody(tmp_path)
    body.feed(raw[: len(raw) // 2])
    body.finish()
    with pytest.raises(ValueError):
        json.loads(bytes(body.skeleton))
