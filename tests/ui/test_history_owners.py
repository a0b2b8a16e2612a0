"""Owner ids per page session, and putting a saved run back into a tab's form."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from playground.history import is_owner_id
from playground.ui.owners import Owners
from playground.ui.reopen import Reopen


def _request(session: str | None) -> SimpleNamespace:
    return SimpleNamespace(session_hash=session)


def test_a_page_keeps_its_owner_and_api_clients_get_their_own() -> None:
    owners = Owners()
    owners.remember("page-1", "owner-aaaaaaaaaaaaaaaa")
    assert owners.of(_request("page-1")) == "owner-aaaaaaaaaaaaaaaa"  # type: ignore[arg-type]
    api = owners.of(_request("api-session"))  # type: ignore[arg-type]
    assert is_owner_id(api) and api == owners.of(_request("api-session"))  # type: ignore[arg-type]
    nobody = {owners.of(_request(None)) for _ in range(3)}  # type: ignore[arg-type]
    assert len(nobody) == 3  # no session: never shared
    owners.forget(_request("page-1"))  # type: ignore[arg-type]
    assert owners.of(_request("page-1")) != "owner-aaaaaaaaaaaaaaaa"  # type: ignore[arg-type]


def test_the_oldest_sessions_are_forgotten_past_the_limit() -> None:
    owners = Owners(limit=3)
    for i in range(5):
        owners.remember(f"s{i}", f"owner-{i:016d}")
    assert owners.of(_request("s4")) == f"owner-{4:016d}"  # type: ignore[arg-type]
    assert owners.of(_request("s0")) != f"owner-{0:016d}"  # type: ignore[arg-type]


def test_reopen_fills_the_named_fields_and_skips_secrets() -> None:
    prompt, seed, randomize, image = object(), object(), object(), object()
    reopen = Reopen()
    reopen.add("image", {"prompt": prompt})
    reopen.add("image", {"seed": seed}, extras={randomize: False})
    reopen.add("upscale", {"image": image})
    assert reopen.inputs() == [prompt, seed, randomize, image]
    filled = reopen.fill("image", {"prompt": "a fox", "seed": 7, "width": 512})
    assert filled == {prompt: "a fox", seed: 7, randomize: False}
    assert reopen.fill("upscale", {"image": Path("/x/y.png")}) == {image: "/x/y.png"}
    assert reopen.fill("image", {"prompt": {"$secret": "not stored"}}) == {randomize: False}
    assert reopen.fill("nowhere", {"prompt": "x"}) == {}
