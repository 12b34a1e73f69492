"""The engine's task group: nothing starts before it runs, a failing task ends alone, ``idle``
waits for awaited work only, and one waited-for outcome reaches every waiter."""

from __future__ import annotations

import logging

import anyio
import anyio.lowlevel
import pytest

from domain.background import Background, NotRunning
from domain.outcome import Outcome


async def _nothing() -> None:
    pass


def test_work_cannot_start_before_or_after_running() -> None:
    async def main() -> None:
        background = Background("the test")
        with pytest.raises(NotRunning, match="the test is not running"):
            background.spawn(_nothing)
        async with background.running():
            background.spawn(_nothing)
        with pytest.raises(NotRunning):
            background.spawn(_nothing)

    anyio.run(main)


def test_a_failing_task_is_logged_and_its_siblings_go_on(caplog: pytest.LogCaptureFixture) -> None:
    done: list[str] = []

    async def fail() -> None:
        raise ValueError("broken round")

    async def finish() -> None:
        await anyio.lowlevel.checkpoint()
        done.append("sibling")

    async def main() -> None:
        background = Background("the test")
        async with background.running():
            background.spawn(fail)
            background.spawn(finish)
            await background.idle()
        done.append("body")

    with caplog.at_level(logging.ERROR, logger="autoupdate.background"):
        anyio.run(main)
    assert done == ["sibling", "body"]
    assert "background work of the test failed" in caplog.text
    assert "broken round" in caplog.text


def test_idle_waits_for_awaited_work_but_not_for_timers() -> None:
    events: list[str] = []

    async def round_() -> None:
        await anyio.sleep(0.01)
        events.append("round")

    async def timer() -> None:
        await anyio.sleep_forever()

    async def main() -> None:
        background = Background("the test")
        async with background.running():
            scope = background.spawn(timer, awaited=False)
            background.spawn(round_)
            await background.idle()
            events.append("idle")
            assert not scope.cancel_called
            scope.cancel()

    anyio.run(main)
    assert events == ["round", "idle"]


def test_cancel_ends_running_work() -> None:
    async def main() -> None:
        background = Background("the test")
        async with background.running():
            background.spawn(anyio.sleep_forever)
            with anyio.fail_after(5):
                await background.cancel()
            await background.idle()

    anyio.run(main)


def test_an_outcome_reaches_every_waiter() -> None:
    async def main() -> None:
        value: Outcome[int] = Outcome()
        error: Outcome[int] = Outcome()
        got: list[int] = []
        async with anyio.create_task_group() as tasks:
            for _ in range(3):
                tasks.start_soon(lambda: _append(value, got))
            await anyio.lowlevel.checkpoint()
            assert not value.done()
            value.set_result(7)
        assert got == [7, 7, 7]
        error.set_error(LookupError("gone"))
        with pytest.raises(LookupError, match="gone"):
            await error.wait()

    async def _append(outcome: Outcome[int], got: list[int]) -> None:
        got.append(await outcome.wait())

    anyio.run(main)
