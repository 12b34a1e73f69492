"""Connection counts in redis hashes against fakeredis: format, summing, stale instances."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable
from typing import TypeVar

import fakeredis

from adapters.redis_counts import RedisConnectionCounts, instance_name

T = TypeVar("T")
NOW = 1_700_000_000.0


def _run(coroutine: Awaitable[T]) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(5):
            return await coroutine

    return asyncio.run(bounded())


def test_save_writes_the_upstream_hashes() -> None:
    async def scenario() -> tuple[dict[bytes | str, bytes | str], dict[bytes | str, bytes | str]]:
        client = fakeredis.FakeAsyncRedis()
        await RedisConnectionCounts(client, clock=lambda: NOW + 0.7).save(
            "connections_stream", "inst-a", {10: 1, 0: 15, 2: 3}
        )
        return (
            await client.hgetall("metric-connections_stream-values"),
            await client.hgetall("metric-connections_stream-timestamp"),
        )

    values, timestamps = _run(scenario())
    assert values == {b"inst-a": b'{"0":15,"10":1,"2":3}'}
    assert timestamps == {b"inst-a": b"1700000000"}


def test_load_sums_recent_instances_and_ignores_stale_ones() -> None:
    async def scenario() -> dict[int, int]:
        client = fakeredis.FakeAsyncRedis()
        await RedisConnectionCounts(client, clock=lambda: NOW - 5).save("n", "a", {0: 2, 1: 1})
        await RedisConnectionCounts(client, clock=lambda: NOW - 10).save("n", "b", {1: 3, 7: 0})
        await RedisConnectionCounts(client, clock=lambda: NOW - 11).save("n", "stale", {1: 100})
        await RedisConnectionCounts(client, clock=lambda: NOW).save("other", "a", {1: 50})
        return await RedisConnectionCounts(client, clock=lambda: NOW).load("n", 10)

    assert _run(scenario()) == {0: 2, 1: 4, 7: 0}


def test_load_of_nothing_is_empty() -> None:
    assert _run(RedisConnectionCounts(fakeredis.FakeAsyncRedis()).load("n", 10)) == {}


def test_a_save_overwrites_the_instance_entry() -> None:
    async def scenario() -> dict[int, int]:
        store = RedisConnectionCounts(fakeredis.FakeAsyncRedis(), clock=lambda: NOW)
        await store.save("n", "a", {1: 5})
        await store.save("n", "a", {1: 1, 2: 1})
        return await store.load("n", 10)

    assert _run(scenario()) == {1: 1, 2: 1}


def test_works_with_a_client_that_decodes_responses() -> None:
    async def scenario() -> dict[int, int]:
        store = RedisConnectionCounts(fakeredis.FakeAsyncRedis(decode_responses=True), clock=lambda: NOW)
        await store.save("n", "a", {3: 2})
        return await store.load("n", 10)

    assert _run(scenario()) == {3: 2}


def test_instance_name_is_start_time_and_random_suffix() -> None:
    name = instance_name()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-[a-zA-Z0-9]{8}", name)
    assert instance_name() != name
