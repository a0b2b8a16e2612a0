"""What no request can carry is refused before sending, as the server would refuse it (422/401),
instead of failing inside httpx with an error no one can read."""

from __future__ import annotations

import math

import pytest

from playground.replicate import AsyncClient, errors

DEAD = "http://127.0.0.1:9"  # nothing listens: a request that were sent would fail differently


@pytest.mark.parametrize(("value", "field", "says"), [
    ({"scale": math.nan}, "input.scale", "nan is not a number"),
    ({"width": math.inf}, "input.width", "inf is not a number"),
    ({"opts": {"t": [1.0, -math.inf]}}, "input.opts.t.1", "-inf is not a number"),
    ({"prompt": "x\ud800y"}, "input.prompt", "lone surrogate"),
])
async def test_unsendable_input_is_invalid_input(value: dict, field: str, says: str) -> None:
    async with AsyncClient(token="r8_fine", base_url=DEAD) as client:
        with pytest.raises(errors.InvalidInput) as caught:
            await client.predictions.create("owner/model:" + "a" * 64, value)
    assert caught.value.fields == [field] and says in str(caught.value)


@pytest.mark.parametrize("token", ["r8_abc\r\nX-Evil: 1", "r8_tökén", "r8 abc", "r8_\x00"])
async def test_a_token_no_header_can_carry_is_refused(token: str) -> None:
    async with AsyncClient(token=token, base_url=DEAD) as client:
        with pytest.raises(errors.Unauthenticated, match="characters no token has"):
            await client.predictions.create("owner/model:" + "a" * 64, {"prompt": "hi"})
