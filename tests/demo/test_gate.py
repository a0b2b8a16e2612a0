"""The service's gate on its own: limits per visitor, per address and in total, the line and
its places, the spending cap, pause. The clock is the test's (an hour passes in a line)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from playground.demo import Limits, Show
from playground.results import RunUpdate
from playground.service import Gate, Visitor
from playground.service.errors import RunRefused


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def gate(clock: Clock | None = None, **limits: Any) -> Gate:
    return Gate(Limits(**limits), clock=clock or Clock())


ANNA, BEN = Visitor("anna", "10.0.0.1"), Visitor("ben", "10.0.0.2")


def test_a_visitor_s_third_run_in_the_hour_is_refused_and_says_how_long() -> None:
    clock = Clock()
    g = gate(clock, runs_per_visitor_per_hour=2)

    async def scenario() -> None:
        for _ in range(2):
            (await g.enter(ANNA, "local/real-esrgan", owner_token=False)).finished(None, {})
        clock.now += 600
        with pytest.raises(RunRefused) as refused:
            await g.enter(ANNA, "local/real-esrgan", owner_token=False)
        assert "2 runs per visitor per hour" in str(refused.value)
        assert "Try again in 50 minutes" in str(refused.value)
        assert refused.value.retry_after == pytest.approx(3000)
        (await g.enter(BEN, "local/real-esrgan", owner_token=False)).finished(None, {})
        clock.now += 3001  # the first two are more than an hour old
        (await g.enter(ANNA, "local/real-esrgan", owner_token=False)).finished(None, {})

    asyncio.run(scenario())


def test_clearing_cookies_does_not_reset_the_count_past_the_address_backstop() -> None:
    g = gate(runs_per_visitor_per_hour=1, runs_per_address_per_hour=3)

    async def scenario() -> None:
        for n in range(3):  # a new owner cookie each time, from one address
            (await g.enter(Visitor(f"fresh-{n}", "10.9.9.9"), "m/x",
                           owner_token=False)).finished(None, {})
        with pytest.raises(RunRefused, match="per visitor per hour"):
            await g.enter(Visitor("fresh-4", "10.9.9.9"), "m/x", owner_token=False)
        (await g.enter(Visitor("other", "10.9.9.8"), "m/x", owner_token=False)).finished(None, {})

    asyncio.run(scenario())


def test_the_line_says_each_place_and_admits_in_order() -> None:
    g = gate(concurrent_runs=1)
    said: dict[str, list[str]] = {"ben": [], "cleo": []}

    async def scenario() -> None:
        first = await g.enter(ANNA, "m/x", owner_token=False)
        ben = asyncio.create_task(g.enter(BEN, "m/x", owner_token=False,
                                          on_update=lambda u: said["ben"].append(u.notice)))
        await asyncio.sleep(0.3)
        cleo = asyncio.create_task(g.enter(Visitor("cleo", "10.0.0.3"), "m/x",
                                           owner_token=False,
                                           on_update=lambda u: said["cleo"].append(u.notice)))
        await asyncio.sleep(0.6)
        assert g.stats().waiting == 2 and g.stats().running == 1
        assert said["ben"][-1].startswith("You are 1st in line, about")
        assert said["cleo"][-1].startswith("You are 2nd in line, about")
        first.finished(None, {})
        ben_slot = await asyncio.wait_for(ben, 5)
        await asyncio.sleep(0.6)
        assert not cleo.done() and said["cleo"][-1].startswith("You are 1st in line")
        ben_slot.abandon()
        (await asyncio.wait_for(cleo, 5)).finished(None, {})
        assert g.stats().running == 0 and g.stats().runs_last_hour == 3

    asyncio.run(scenario())


def test_a_visitor_at_their_own_limit_does_not_hold_up_the_room() -> None:
    g = gate(concurrent_runs=4, concurrent_runs_per_visitor=1)

    async def scenario() -> None:
        anna = await g.enter(ANNA, "m/x", owner_token=False)
        anna_again = asyncio.create_task(g.enter(ANNA, "m/x", owner_token=False))
        await asyncio.sleep(0.3)
        ben = await asyncio.wait_for(g.enter(BEN, "m/x", owner_token=False), 5)  # not behind
        assert not anna_again.done()
        anna.finished(None, {})
        (await asyncio.wait_for(anna_again, 5)).finished(None, {})
        ben.finished(None, {})

    asyncio.run(scenario())


def test_leaving_the_line_frees_the_place_and_does_not_count() -> None:
    g = gate(concurrent_runs=1, runs_per_visitor_per_hour=1)

    async def scenario() -> None:
        first = await g.enter(ANNA, "m/x", owner_token=False)
        waiting = asyncio.create_task(g.enter(BEN, "m/x", owner_token=False))
        await asyncio.sleep(0.3)
        waiting.cancel()  # Cancel while waiting
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert g.stats().waiting == 0
        first.finished(None, {})
        (await g.enter(BEN, "m/x", owner_token=False)).finished(None, {})  # not counted before

    asyncio.run(scenario())


def test_a_full_room_is_refused_at_once() -> None:
    g = gate(concurrent_runs=1, max_waiting=1)

    async def scenario() -> None:
        first = await g.enter(ANNA, "m/x", owner_token=False)
        waiting = asyncio.create_task(g.enter(BEN, "m/x", owner_token=False))
        await asyncio.sleep(0.3)
        with pytest.raises(RunRefused, match="1 runs are already waiting") as refused:
            await g.enter(Visitor("cleo"), "m/x", owner_token=False)
        assert refused.value.title == "The room is full"
        first.finished(None, {})
        (await asyncio.wait_for(waiting, 5)).finished(None, {})

    asyncio.run(scenario())


def test_the_spending_cap_counts_the_owner_s_token_only() -> None:
    spent: list[tuple[str, dict[str, float]]] = []

    def estimate(model: str, metrics: dict[str, float]) -> float:
        spent.append((model, metrics))
        return metrics["predict_time"] * 0.5

    g = Gate(Limits(spend_cap_usd=1.0), estimate=estimate, priced=lambda m: m != "x/free",
             clock=Clock())

    async def scenario() -> None:
        (await g.enter(ANNA, "a/b", owner_token=True)).finished("a/b", {"predict_time": 1.5})
        # a visitor's own token: never counted, never capped
        (await g.enter(BEN, "a/b", owner_token=False)).finished("a/b", {"predict_time": 9})
        assert g.stats().spent_usd == pytest.approx(0.75)
        (await g.enter(ANNA, "a/b", owner_token=True)).finished("a/b", {"predict_time": 1.0})
        with pytest.raises(RunRefused, match="used its budget") as refused:
            await g.enter(BEN, "a/b", owner_token=True)
        assert "$1.25 of $1.00" in str(refused.value)
        (await g.enter(BEN, "a/b", owner_token=False)).finished("a/b", {"predict_time": 1})
        with pytest.raises(RunRefused, match="no known price"):
            await g.enter(BEN, "x/free", owner_token=True)

    asyncio.run(scenario())


def test_a_run_stopped_on_the_owner_s_token_counts_the_time_it_held_its_slot() -> None:
    g = Gate(Limits(spend_cap_usd=1.0), estimate=lambda m, metrics: metrics["predict_time"],
             priced=lambda m: True, clock=Clock())

    async def scenario() -> None:
        slot = await g.enter(ANNA, "a/b", owner_token=True)
        await asyncio.sleep(0.05)
        slot.abandon()  # Stop, or the time limit: Replicate bills the time it ran
        assert g.stats().spent_usd >= 0.05
        assert g.stats().running == 0

    asyncio.run(scenario())


def test_pause_refuses_new_runs_and_holds_the_line() -> None:
    g = gate()

    async def scenario() -> None:
        g.pause(True)
        with pytest.raises(RunRefused, match="paused"):
            await g.enter(ANNA, "m/x", owner_token=False)
        g.pause(False)
        (await g.enter(ANNA, "m/x", owner_token=False)).finished(None, {})
        assert not g.stats().paused

    asyncio.run(scenario())


def test_only_the_models_on_show_run_when_the_visitor_chose_them() -> None:
    g = Gate(Limits(), show=Show(models=("local/*",)), clock=Clock())

    async def scenario() -> None:
        with pytest.raises(RunRefused, match="runs only these models: local/"):
            await g.enter(ANNA, "stability-ai/sdxl", owner_token=False, any_model=True)
        # a tab's own preset is not the visitor's choice
        (await g.enter(ANNA, "nightmareai/real-esrgan", owner_token=False)).finished(None, {})
        (await g.enter(ANNA, "local/whisper-tiny", owner_token=False,
                       any_model=True)).finished(None, {})

    asyncio.run(scenario())


def test_updates_while_waiting_are_run_updates_with_a_notice() -> None:
    g = gate(concurrent_runs=1)
    seen: list[RunUpdate] = []

    async def scenario() -> None:
        first = await g.enter(ANNA, "m/x", owner_token=False)
        task = asyncio.create_task(g.enter(BEN, "m/x", owner_token=False,
                                           on_update=seen.append))
        await asyncio.sleep(0.4)
        first.finished(None, {})
        (await asyncio.wait_for(task, 5)).finished(None, {})

    asyncio.run(scenario())
    assert seen and seen[0].status == "queued" and seen[0].prediction_id == ""
    assert seen[0].notice == "You are 1st in line, about 10 s."


def test_two_runs_of_one_visitor_at_the_same_instant_are_two_places_in_line() -> None:
    """One visitor's two tabs pressing Run within one tick of a coarse clock (Windows before
    Python 3.13, a VM on jiffies; here the test's clock): the second leaving the line must not
    take the first's place with it (which left the first waiting for ever and a ghost at the
    head of the line holding up everyone behind it)."""
    g = gate(concurrent_runs=1)

    async def scenario() -> None:
        running = await g.enter(BEN, "m/x", owner_token=False)
        first = asyncio.create_task(g.enter(ANNA, "m/x", owner_token=False))
        await asyncio.sleep(0.3)
        second = asyncio.create_task(g.enter(ANNA, "m/x", owner_token=False))
        third = asyncio.create_task(g.enter(Visitor("cleo"), "m/x", owner_token=False))
        await asyncio.sleep(0.3)
        second.cancel()  # Cancel in the second tab, while both wait
        with pytest.raises(asyncio.CancelledError):
            await second
        assert g.stats().waiting == 2
        running.finished(None, {})
        (await asyncio.wait_for(first, 5)).finished(None, {})
        (await asyncio.wait_for(third, 5)).finished(None, {})
        assert g.stats().waiting == 0 and g.stats().running == 0

    asyncio.run(scenario())
