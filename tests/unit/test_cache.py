"""The shared cache: single-flight loads, updates, and errors that do not poison it."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import pytest

from domain.cache import Cache
from domain.reader import MISSING
from ports.datastore import DatastoreError
from tests.fakes import FlatDatastore


class SlowDatastore(FlatDatastore):
    """Holds every read until ``release`` is set."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.release = asyncio.Event()

    async def get_objects(self, fqids, position=None):  # type: ignore[no-untyped-def]
        await self.release.wait()
        return await super().get_objects(fqids, position)


def test_concurrent_loads_of_one_object_read_the_datastore_once() -> None:
    async def main() -> None:
        datastore = SlowDatastore({"user/1/username": "a"})
        cache = Cache(datastore)
        async with cache.running():
            waiting = [asyncio.create_task(cache.load(["user/1"])) for _ in range(5)]
            await asyncio.sleep(0)
            datastore.release.set()
            await asyncio.gather(*waiting)
            assert datastore.reads == 1
            assert cache.lookup("user/1") == {"username": "a"}
            assert cache.lookup("user/2") is MISSING

    asyncio.run(main())


def test_update_during_load_wins_over_the_loaded_value() -> None:
    async def main() -> None:
        datastore = SlowDatastore({"user/1/username": "old", "user/1/id": 1})
        cache = Cache(datastore)
        async with cache.running():
            load = asyncio.create_task(cache.load(["user/1"]))
            await asyncio.sleep(0)
            cache.apply({"user/1/username": "new"})
            datastore.release.set()
            await load
            assert cache.lookup("user/1") == {"username": "new", "id": 1}

    asyncio.run(main())


def test_updates_of_objects_never_loaded_are_not_stored() -> None:
    cache = Cache(FlatDatastore())
    cache.apply({"user/1/username": "x"})
    assert cache.lookup("user/1") is MISSING


def test_known_missing_object_is_created_by_an_update_and_deleted_fields_vanish() -> None:
    async def main() -> None:
        cache = Cache(FlatDatastore({"user/1/id": 1, "user/1/username": "a"}))
        async with cache.running():
            await cache.load(["user/1", "user/2"])
            assert cache.lookup("user/2") is None
            cache.apply({"user/2/id": 2, "user/1/username": None})
            assert cache.lookup("user/2") == {"id": 2}
            assert cache.lookup("user/1") == {"id": 1}

    asyncio.run(main())


def test_a_failed_load_raises_and_a_later_load_retries() -> None:
    async def main() -> None:
        datastore = FlatDatastore({"user/1/id": 1})
        datastore.fail = DatastoreError("down")
        cache = Cache(datastore)
        async with cache.running():
            with pytest.raises(DatastoreError):
                await cache.load(["user/1"])
            datastore.fail = None
            await cache.load(["user/1"])
            assert cache.lookup("user/1") == {"id": 1}

    asyncio.run(main())


def test_pushed_values_survive_until_their_object_is_loaded() -> None:
    async def main() -> None:
        cache = Cache(
            FlatDatastore({"poll/1/id": 1, "poll/1/title": "t"}), pushed=frozenset({"poll/live_votes"})
        )
        async with cache.running():
            cache.apply({"poll/1/live_votes": {"5": None}, "poll/1/title": "ignored: not loaded"})
            await cache.load(["poll/1"])
            assert cache.lookup("poll/1") == {"id": 1, "title": "t", "live_votes": {"5": None}}
            cache.apply({"poll/1/live_votes": None})
            assert cache.lookup("poll/1") == {"id": 1, "title": "t"}
            cache.reset()
            cache.apply({"poll/1/live_votes": {"6": "Y"}})
            await cache.load(["poll/1"])
            assert cache.lookup("poll/1") == {"id": 1, "title": "t", "live_votes": {"6": "Y"}}

    asyncio.run(main())


def test_the_first_loader_leaving_does_not_cancel_the_load_others_wait_for() -> None:
    async def main() -> None:
        datastore = SlowDatastore({"user/1/username": "a"})
        cache = Cache(datastore)
        async with cache.running():
            leaving = anyio.CancelScope()
            first = asyncio.create_task(_load_in(cache, leaving))
            await asyncio.sleep(0)
            second = asyncio.create_task(cache.load(["user/1"]))
            await asyncio.sleep(0)
            leaving.cancel()  # the client of the first load leaves
            await asyncio.sleep(0)
            datastore.release.set()
            await second
            await first
            assert leaving.cancelled_caught
            assert datastore.reads == 1
            assert cache.lookup("user/1") == {"username": "a"}

    asyncio.run(main())


async def _load_in(cache: Cache, scope: anyio.CancelScope) -> None:
    with scope:
        await cache.load(["user/1"])


def test_a_load_whose_task_is_cancelled_lets_its_waiters_load_again() -> None:
    async def main() -> None:
        datastore = SlowDatastore({"user/1/username": "a"})
        cache = Cache(datastore)
        async with cache.running():
            first = asyncio.create_task(cache.load(["user/1"]))
            await asyncio.sleep(0)
            second = asyncio.create_task(cache.load(["user/1"]))
            await asyncio.sleep(0)
            first.cancel()  # a task's own cancel(): no shield stops it
            with pytest.raises(asyncio.CancelledError):
                await first
            await second  # returns: its reader finds user/1 missing and loads it again
            assert cache.lookup("user/1") is MISSING
            datastore.release.set()
            await cache.load(["user/1"])
            assert cache.lookup("user/1") == {"username": "a"}

    asyncio.run(main())


def test_a_calculation_runs_once_and_outlives_the_caller_that_started_it() -> None:
    async def main() -> None:
        cache = Cache(FlatDatastore({"projection/1/id": 1}))
        release = anyio.Event()
        calls: list[str] = []

        async def calculator(key: str) -> str:
            calls.append(key)
            await release.wait()
            return "content"

        cache.calculate_with(frozenset({"projection/content"}), calculator)
        async with cache.running():
            await cache.load(["projection/1"])
            leaving = anyio.CancelScope()

            async def first() -> None:
                with leaving:
                    await cache.calculate(["projection/1/content"])

            started = asyncio.create_task(first())
            await asyncio.sleep(0)
            waiting = asyncio.create_task(cache.calculate(["projection/1/content"]))
            await asyncio.sleep(0)
            leaving.cancel()  # the client of the first caller leaves
            await started
            release.set()
            await waiting
            assert calls == ["projection/1/content"]
            assert cache.lookup("projection/1") == {"id": 1, "content": "content"}

    asyncio.run(main())
