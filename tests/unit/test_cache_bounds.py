"""The cache under pressure, with the engine: a computation keeps what it loads until it is
done, objects that open streams read stay and keep their updates, and an evicted object read
again comes back with current data."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio

from domain.autoupdate import Autoupdate
from domain.autoupdate.compute import run_complete
from domain.autoupdate.index import DependencyIndex
from domain.cache import Cache
from domain.keysbuilder import parse_k
from domain.reader import MISSING, Reader
from domain.restrict.modes import Unrestricted
from tests.fakes import FlatDatastore

USERS: dict[str, Any] = {
    f"user/{n}/{field}": value for n in range(1, 51) for field, value in (("id", n), ("username", f"u{n}"))
}


def _reads_everything(ids: range) -> Any:
    def compute(reader: Reader) -> list[Any]:
        return [reader.get(f"user/{n}/username") for n in ids]

    return compute


def test_a_computation_that_needs_more_than_the_bounds_still_completes() -> None:
    async def main() -> None:
        cache = Cache(FlatDatastore(USERS), max_bytes=0, max_absent=5)
        async with cache.running():
            names, _ = await run_complete(cache, _reads_everything(range(1, 201)))
            assert names == [f"u{n}" for n in range(1, 51)] + [None] * 150
            await asyncio.sleep(0)  # the computation is done: its hold ends
            assert cache.metrics()["datastore_cache_missing"] == 5
            assert cache.statistics()[1] == 5  # nothing in use: only the bounded missing entries
            assert cache.metrics()["datastore_cache_evictions"] == 195

    asyncio.run(main())


def test_an_evicted_object_read_again_is_loaded_with_current_data() -> None:
    async def main() -> None:
        datastore = FlatDatastore(USERS)
        cache = Cache(datastore, max_bytes=0)
        async with cache.running():
            assert (await run_complete(cache, _reads_everything(range(1, 2))))[0] == ["u1"]
            await asyncio.sleep(0)
            assert cache.lookup("user/1") is MISSING  # evicted: nobody uses it
            datastore.update({"user/1/username": "renamed"})
            cache.apply({"user/1/username": "renamed"})  # not cached: not stored either
            assert (await run_complete(cache, _reads_everything(range(1, 2))))[0] == ["renamed"]

    asyncio.run(main())


class Dependent:
    def __init__(self) -> None:
        self.deps: set[str] = set()

    def notify(self, changed: Any) -> None:
        pass


def test_the_index_pins_an_object_from_its_first_key_to_its_last() -> None:
    cache = Cache(FlatDatastore(), max_bytes=0)
    index = DependencyIndex(cache)
    a, b = Dependent(), Dependent()

    async def load_user_1() -> None:
        async with cache.running():
            await cache.load(["user/1"])
            cache.apply({"user/1/id": 1})  # created: now an object, not a missing entry

    asyncio.run(load_user_1())
    assert cache.lookup("user/1") is MISSING  # nobody reads it: evicted at once
    index.update(a, {"user/1/id", "user/1/username"})
    index.add(b, ["user/1/id"])
    asyncio.run(load_user_1())
    index.update(a, {"user/1/email"})  # another key of the same object
    index.remove(a)
    cache.apply({"user/1/id": 1})
    assert cache.lookup("user/1") == {"id": 1}  # b still reads it
    index.remove(b)
    assert cache.lookup("user/1") is MISSING


def test_objects_an_open_stream_reads_are_never_evicted_and_keep_their_updates() -> None:
    async def main() -> None:
        datastore = FlatDatastore(USERS)
        cache = Cache(datastore, max_bytes=0, max_absent=0)
        engine = Autoupdate(cache, Unrestricted(), workers=1, idle_seconds=0)
        async with engine.running():
            stream = await engine.subscribe(1, parse_k("user/7/username"))
            assert (await stream.next()).decoded() == {"user/7/username": "u7"}
            await run_complete(cache, _reads_everything(range(1, 101)))  # pressure: load and shed 99 more
            await asyncio.sleep(0)
            assert cache.metrics()["datastore_cache_evictions"] >= 99
            assert cache.lookup("user/7") == {"id": 7, "username": "u7"}
            reads = datastore.reads
            datastore.update({"user/7/username": "new"})
            engine.apply_changes({"user/7/username": "new"})
            with anyio.fail_after(2):
                assert (await stream.next()).decoded() == {"user/7/username": "new"}
            assert datastore.reads == reads  # served from the cache, not loaded again
            stream.close()
            await engine.idle()
            await asyncio.sleep(0)
            assert cache.lookup("user/7") is MISSING  # the stream is gone: the object may leave

    asyncio.run(main())
