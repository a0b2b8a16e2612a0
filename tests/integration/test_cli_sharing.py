"""`playground --host 0.0.0.0` with the owner's token: refused unless a login or visitors'
own tokens protect the account. Real processes; the backend is a small recording server."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client
from replay_server import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.cli import exposure_problem, is_loopback, parse_auth

from .helpers import until
from .processes import PLAYGROUND, free_port

pytestmark = pytest.mark.timeout(120)

OWNER = "r8_ownerTokenThatMustNeverLeave0123456789"
VISITOR = "r8_visitorOwnToken9876543210abcdefghij"


@pytest.fixture
def backend() -> Iterator[tuple[str, list[str]]]:
    """A Replicate-like server that accepts no token; it records each Authorization header."""
    seen: list[str] = []

    async def anything(request: Request) -> JSONResponse:
        seen.append(request.headers.get("authorization", ""))
        return JSONResponse({"title": "Unauthenticated", "detail": "You did not pass a valid "
                             "authentication token", "status": 401}, status_code=401,
                            media_type="application/problem+json")

    app = Starlette(routes=[Route("/{path:path}", anything, methods=["GET", "POST"])])
    with serve(app) as url:
        # 127.1 is 127.0.0.1, but not a name the app takes for its own local engine: it stands
        # for a Replicate-compatible server elsewhere, where the owner's token would be used
        yield url.replace("127.0.0.1", "127.1"), seen


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PLAYGROUND_AUTH",)}
    return {**env, "REPLICATE_API_TOKEN": OWNER, "GRADIO_ANALYTICS_ENABLED": "False", **extra}


def _start(args: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[Any], str]:
    port = free_port()
    out = log.open("w+")
    proc = subprocess.Popen([str(PLAYGROUND), "--port", str(port), *args], env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"

    def up() -> bool:
        if proc.poll() is not None:
            return True
        try:
            return httpx.get(url, timeout=2).status_code < 500
        except httpx.TransportError:
            return False

    assert until(up, timeout=90) and proc.poll() is None, log.read_text()[-3000:]
    return proc, url


def _stop(proc: subprocess.Popen[Any]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)  # its own session: the app and nothing else
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "my-laptop.local"])
def test_a_shared_host_with_the_owners_token_is_refused(host: str) -> None:
    done = subprocess.run([str(PLAYGROUND), "--host", host, "--port", str(free_port())],
                          env=_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr[-2000:]
    said = done.stderr.strip()
    assert said.startswith(f"playground: refusing to listen on {host} while "
                           "REPLICATE_API_TOKEN is set")
    assert "--auth USER:PASS" in said and "--visitors-bring-token" in said
    assert "\n" not in said  # one paragraph
    assert OWNER not in done.stdout + done.stderr and "Traceback" not in said


def test_a_malformed_login_is_refused_plainly() -> None:
    done = subprocess.run([str(PLAYGROUND), "--host", "0.0.0.0", "--auth", "nopassword"],
                          env=_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == ("playground: --auth (or PLAYGROUND_AUTH) must look like "
                                   "USER:PASS, with a user name and a password")


def test_the_rules() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.0.1", "localhost", "::1", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.2", "example.com"))
    assert exposure_problem("0.0.0.0", server_token=False, auth=False,
                            visitors_bring_token=False) is None  # no account to spend
    assert exposure_problem("127.0.0.1", server_token=True, auth=False,
                            visitors_bring_token=False) is None
    for auth, visitors in ((True, False), (False, True)):
        assert exposure_problem("0.0.0.0", server_token=True, auth=auth,
                                visitors_bring_token=visitors) is None
    assert parse_auth("alice:pa:ss") == ("alice", "pa:ss") and parse_auth(None) is None
    for bad in ("alice", ":pw", "alice:", ""):
        with pytest.raises(ValueError):
            parse_auth(bad)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_auth_asks_every_visitor_for_the_login(how: str, backend: tuple[str, list[str]],
                                               tmp_path: Path) -> None:
    url_backend, seen = backend
    args = ["--host", "0.0.0.0"] + (["--auth", "alice:wonder land"] if how == "flag" else [])
    env = _env(REPLICATE_BASE_URL=url_backend, PLAYGROUND_DATA_DIR=str(tmp_path / "data"),
               **({"PLAYGROUND_AUTH": "alice:wonder land"} if how == "env" else {}))
    proc, url = _start(args, env, tmp_path / "app.log")
    try:
        assert httpx.get(url + "config", timeout=10).status_code == 401
        assert httpx.get(url + "gradio_api/info", timeout=10).status_code == 401
        wrong = httpx.post(url + "login", data={"username": "alice", "password": "nope"})
        assert wrong.status_code == 400
        client = Client(url, auth=("alice", "wonder land"), verbose=False)
        assert "/chat" in client.view_api(print_info=False, return_format="dict")[
            "named_endpoints"]
        # beside the login's cookie, the owner cookie (whose runs): a page works as before
        assert any(name.startswith("playground-browser-") for name in client.cookies)
        assert "No token yet" not in client.predict(None, api_name="/token_status")
    finally:
        _stop(proc)
    assert seen == []  # nothing reached the backend


def test_visitors_bring_their_own_token(backend: tuple[str, list[str]], tmp_path: Path) -> None:
    url_backend, seen = backend
    env = _env(REPLICATE_BASE_URL=url_backend, PLAYGROUND_DATA_DIR=str(tmp_path / "data"))
    proc, url = _start(["--host", "0.0.0.0", "--visitors-bring-token"], env, tmp_path / "a.log")
    try:
        client = Client(url, verbose=False)
        # the page says a token is needed: the owner's is not offered
        assert "No token yet" in client.predict(None, api_name="/token_status")
        chat = client.submit("Hi", "", 16, 0, 0.9, "llama-3.1-405b-precise", None,
                             api_name="/chat")
        with pytest.raises(Exception, match="Paste your Replicate API token"):
            chat.result()
        mine = client.submit("Hi", "", 16, 0, 0.9, "llama-3.1-405b-precise", VISITOR,
                             api_name="/chat")
        with pytest.raises(Exception, match="Check the token under"):
            mine.result()
    finally:
        _stop(proc)
    assert seen and all(OWNER not in h for h in seen), seen
    assert f"Bearer {VISITOR}" in seen and "" in seen
    assert OWNER not in (tmp_path / "a.log").read_text()
