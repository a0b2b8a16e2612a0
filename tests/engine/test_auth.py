"""A token-protected engine: 401s everywhere except the unguessable stream and output URLs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from playground.engine.server import _is_loopback, serve

from .conftest import TOKEN


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", TOKEN,
                                    f"Bearer {TOKEN}x"])
def test_missing_or_wrong_token_is_401(engine: Any, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    for method, path in [("GET", "/v1/predictions"), ("GET", "/v1/models"),
                         ("POST", "/v1/predictions"), ("GET", "/v1/account"),
                         ("GET", "/v1/webhooks/default/secret"), ("GET", "/v1/files/x")]:
        r = httpx.request(method, engine.url + path, headers=headers, json={})
        assert r.status_code == 401, (method, path)
        assert r.headers["content-type"] == "application/problem+json"
        assert TOKEN not in r.text


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_both_schemes_accepted(engine: Any, scheme: str) -> None:
    r = httpx.get(engine.url + "/v1/account", headers={"Authorization": f"{scheme} {TOKEN}"})
    assert r.status_code == 200


def test_stream_and_output_urls_need_no_token(engine: Any, client: httpx.Client) -> None:
    import base64
    import io

    from PIL import Image

    pred = client.post("/v1/models/test/counter/predictions", json={"input": {"n": 1}},
                       headers={"Prefer": "wait"}).json()
    assert httpx.get(pred["urls"]["stream"]).status_code == 200
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buf, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    big = client.post("/v1/models/test/invert/predictions",
                      json={"input": {"image": uri, "big": True}}, headers={"Prefer": "wait"})
    out = big.json()["output"]
    assert out.startswith(engine.url + "/v1/outputs/")
    r = httpx.get(out)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"


def test_an_engine_without_token_is_open(make_engine: Any) -> None:
    engine = make_engine()
    assert httpx.get(engine.url + "/v1/account").status_code == 200


def test_serve_refuses_public_host_without_token() -> None:
    with pytest.raises(SystemExit, match="token"):
        serve([], host="0.0.0.0", port=0)
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("192.168.1.2")


@pytest.mark.parametrize("order", ["good-last", "good-first"])
def test_two_authorization_headers_are_refused(engine: Any, order: str) -> None:
    pair = [("Authorization", "Bearer wrong"), ("Authorization", f"Bearer {TOKEN}")]
    headers = pair if order == "good-last" else pair[::-1]
    r = httpx.get(engine.url + "/v1/predictions", headers=headers)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "one Authorization header" in r.json()["detail"]


def test_urls_come_from_the_address_not_the_host_header(engine: Any) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Host": "evil.example"}
    r = httpx.post(engine.url + "/v1/models/test/echo/predictions", headers=headers,
                   json={"input": {"prompt": "x"}})
    assert r.status_code == 201 and "evil.example" not in r.text
    assert r.json()["urls"]["get"].startswith(engine.url + "/v1/predictions/")
