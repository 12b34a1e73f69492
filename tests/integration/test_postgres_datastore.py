"""The Postgres datastore against a real Postgres, with data written as the datastore writer does."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
import pytest

from adapters.postgres_datastore import CHUNK_SIZE, PostgresDatastore
from adapters.postgres_writer import WriteEvent, write
from ports.datastore import Datastore, DatastoreError, HistoryEntry
from tests.integration.servers import SCHEMA, PostgresServer, free_port

pytestmark = pytest.mark.integration

_T = TypeVar("_T")


def run(dsn: str, test: Callable[[PostgresDatastore, asyncpg.Connection], Awaitable[_T]]) -> _T:
    """Run ``test(datastore, writer_connection)`` on a fresh event loop, closing both after."""

    async def main() -> _T:
        async with connected(dsn) as (datastore, conn):
            return await asyncio.wait_for(test(datastore, conn), 60)

    return asyncio.run(main())


@asynccontextmanager
async def connected(dsn: str) -> AsyncIterator[tuple[PostgresDatastore, asyncpg.Connection]]:
    datastore = PostgresDatastore.from_dsn(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        yield datastore, conn
    finally:
        await conn.close()
        await datastore.close()


def create(fqid: str, **fields: Any) -> WriteEvent:
    return WriteEvent("create", fqid, fields)


# Current objects.


def test_reads_current_objects_without_meta_fields(empty_postgres: str) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        await write(conn, [create("motion/1", id=1, title="Ä"), create("motion/2", id=2, tags=[1, 2])])
        port: Datastore = ds
        result = await port.get_objects(["motion/1", "motion/2", "motion/1", "motion/3"])
        assert result == {
            "motion/1": {"id": 1, "title": "Ä"},
            "motion/2": {"id": 2, "tags": [1, 2]},
            "motion/3": None,
        }

    run(empty_postgres, test)


def test_values_keep_their_json_types(empty_postgres: str) -> None:
    value = {"s": 'ü\n"', "i": 2**53 + 1, "f": 1.5, "b": False, "l": [{"x": None}], "o": {}}

    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        await write(conn, [create("topic/1", id=1, **value)])
        assert await ds.get_objects(["topic/1"]) == {"topic/1": {"id": 1, **value}}

    run(empty_postgres, test)


def test_same_fqids_read_twice_give_equal_independent_objects(empty_postgres: str) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        await write(conn, [create("user/1", id=1, username="a")])
        first = await ds.get_objects(["user/1"])
        first["user/1"]["username"] = "changed"  # type: ignore[index]
        assert await ds.get_objects(["user/1"]) == {"user/1": {"id": 1, "username": "a"}}

    run(empty_postgres, test)


def test_deleted_object_reads_as_none(empty_postgres: str) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        await write(conn, [create("motion/1", id=1), create("motion/2", id=2)])
        await write(conn, [WriteEvent("delete", "motion/1")])
        assert await ds.get_objects(["motion/1", "motion/2"]) == {"motion/1": None, "motion/2": {"id": 2}}

    run(empty_postgres, test)


def test_no_fqids_need_no_database() -> None:
    assert asyncio.run(PostgresDatastore(port=free_port()).get_objects([])) == {}


def test_reads_more_fqids_than_one_query_takes(empty_postgres: str) -> None:
    count = CHUNK_SIZE * 2 + 500

    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        await write(conn, [create(f"user/{i}", id=i, username=f"u{i}") for i in range(1, count + 1)])
        fqids = [f"user/{i}" for i in range(1, count + 11)]
        result = await ds.get_objects(fqids)
        assert list(result) == fqids
        assert result["user/1"] == {"id": 1, "username": "u1"}
        assert result[f"user/{count}"] == {"id": count, "username": f"u{count}"}
        assert sum(value is None for value in result.values()) == 10

    run(empty_postgres, test)


# Objects at a position.


def test_reads_each_position_of_every_event_type(empty_postgres: str) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        steps = [
            [create("motion/1", id=1, title="A", text="t", tags=[1])],
            [WriteEvent("update", "motion/1", {"title": "B", "text": None})],
            [
                WriteEvent(
                    "update", "motion/1", list_fields={"add": {"tags": [2, 3]}, "remove": {"tags": [1]}}
                )
            ],
            [WriteEvent("delete", "motion/1")],
            [WriteEvent("restore", "motion/1"), create("motion/2", id=2)],
        ]
        expected = [
            {"id": 1, "title": "A", "text": "t", "tags": [1]},
            {"id": 1, "title": "B", "tags": [1]},
            {"id": 1, "title": "B", "tags": [2, 3]},
            None,
            {"id": 1, "title": "B", "tags": [2, 3]},
        ]
        for step in steps:
            await write(conn, step)
        for position, motion in enumerate(expected, start=1):
            result = await ds.get_objects(["motion/1", "motion/2", "motion/9"], position)
            assert result == {
                "motion/1": motion,
                "motion/2": {"id": 2} if position == 5 else None,
                "motion/9": None,
            }
        assert await ds.get_objects(["motion/1", "motion/2"], 5) == await ds.get_objects(
            ["motion/1", "motion/2"]
        )

    run(empty_postgres, test)


def test_events_within_one_position_apply_in_weight_order(empty_postgres: str) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        await write(
            conn,
            [
                create("topic/1", id=1, title="A"),
                WriteEvent("update", "topic/1", {"title": "B"}),
                WriteEvent("delete", "topic/1"),
                WriteEvent("restore", "topic/1"),
                WriteEvent("update", "topic/1", {"title": "C"}),
            ],
        )
        assert await ds.get_objects(["topic/1"], 1) == {"topic/1": {"id": 1, "title": "C"}}

    run(empty_postgres, test)


def test_newest_position(empty_postgres: str) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        assert await ds.newest_position() == 0
        await write(conn, [create("topic/1", id=1)])
        position, _ = await write(conn, [create("topic/2", id=2)])
        assert position == 2
        assert await ds.newest_position() == 2

    run(empty_postgres, test)


# History information.


def test_history_lists_positions_with_information_ascending(empty_postgres: str) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        before = int(time.time())
        await write(conn, [create("motion/1", id=1)], user_id=7, information={"motion/1": ["created"]})
        await write(conn, [WriteEvent("update", "motion/1", {"title": "x"})], user_id=7)
        await write(conn, [create("topic/1", id=1)], user_id=8, information=["other object"])
        await write(
            conn,
            [
                WriteEvent("update", "motion/1", {"title": "y"}),
                WriteEvent("update", "motion/1", {"text": "z"}),
            ],
            user_id=9,
            information={"motion/1": ["updated"]},
        )
        after = int(time.time())
        entries = await ds.history_information("motion/1")
        assert entries is not None
        assert [(e.position, e.user_id, e.information) for e in entries] == [
            (1, 7, {"motion/1": ["created"]}),
            (4, 9, {"motion/1": ["updated"]}),
        ]
        assert all(before <= e.timestamp <= after and isinstance(e.timestamp, int) for e in entries)
        assert all(isinstance(e, HistoryEntry) for e in entries)

    run(empty_postgres, test)


def test_history_of_an_object_without_information_is_empty_and_of_a_never_existing_one_none(
    empty_postgres: str,
) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        await write(conn, [create("topic/1", id=1)])
        await write(conn, [WriteEvent("delete", "topic/1")], information={"topic/1": ["deleted"]})
        assert await ds.history_information("topic/2") is None
        assert [e.position for e in await ds.history_information("topic/1") or []] == [2]
        await write(conn, [create("topic/3", id=3)])
        assert await ds.history_information("topic/3") == []

    run(empty_postgres, test)


# The writer.


def test_writer_publishes_what_the_datastore_writer_publishes(empty_postgres: str) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        _, created = await write(conn, [create("motion/1", id=1, title="Ä", tags=[1])])
        assert created == {
            "motion/1/id": "1",
            "motion/1/title": json.dumps("Ä"),
            "motion/1/tags": "[1]",
            "motion/1/meta_deleted": "false",
            "motion/1/meta_position": "1",
        }
        _, updated = await write(
            conn,
            [WriteEvent("update", "motion/1", {"title": None, "x": {"a": 1}}, {"add": {"tags": [2]}})],
        )
        assert updated == {
            "motion/1/x": '{"a": 1}',
            "motion/1/title": "null",
            "motion/1/tags": "[1, 2]",
            "motion/1/meta_position": "2",
        }
        _, deleted = await write(conn, [WriteEvent("delete", "motion/1")])
        assert deleted == {
            "motion/1/id": "null",
            "motion/1/x": "null",
            "motion/1/tags": "null",
            "motion/1/meta_deleted": "null",
            "motion/1/meta_position": "3",
        }
        row = await conn.fetchrow("SELECT data::text, deleted FROM models WHERE fqid = 'motion/1'")
        assert json.loads(row["data"]) == {
            "id": 1,
            "x": {"a": 1},
            "tags": [1, 2],
            "meta_deleted": True,
            "meta_position": 3,
        }
        assert row["deleted"] is True
        assert await conn.fetchval("SELECT id FROM id_sequences WHERE collection = 'motion'") == 2

    run(empty_postgres, test)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([create("topic/1", id=1)], "it exists"),
        ([WriteEvent("update", "topic/2", {"a": 1})], "does not exist"),
        ([WriteEvent("restore", "topic/1")], "is not deleted"),
        ([WriteEvent("update", "topic/1", list_fields={"add": {"title": [1]}})], "not a list"),
        ([create("Topic/3")], "invalid fqid"),
    ],
)
def test_writer_refuses_invalid_events_and_writes_nothing(
    empty_postgres: str, events: list[WriteEvent], message: str
) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        await write(conn, [create("topic/1", id=1, title="t")])
        with pytest.raises(ValueError, match=message):
            await write(conn, [create("topic/5", id=5), *events])
        assert await ds.get_objects(["topic/5"]) == {"topic/5": None}
        assert await ds.get_objects(["topic/1"], 2) == {"topic/1": {"id": 1, "title": "t"}}

    run(empty_postgres, test)


def test_schema_can_be_applied_to_an_existing_datastore(
    empty_postgres: str, postgres_server: PostgresServer
) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        await write(conn, [create("topic/1", id=1)])
        await asyncio.to_thread(postgres_server.execute, SCHEMA.read_text())
        assert await ds.get_objects(["topic/1"]) == {"topic/1": {"id": 1}}
        updated = "SELECT updated > now() - interval '1 minute' FROM models WHERE fqid = 'topic/1'"
        assert await conn.fetchval(updated) is True

    run(empty_postgres, test)


# Failures.


def test_unreachable_postgres_is_a_datastore_error() -> None:
    datastore = PostgresDatastore(host="127.0.0.1", port=free_port())
    with pytest.raises(DatastoreError, match="connecting to postgres"):
        asyncio.run(datastore.open())
    with pytest.raises(DatastoreError):
        asyncio.run(datastore.get_objects(["topic/1"]))


def test_failed_query_is_a_datastore_error(postgres_server: PostgresServer) -> None:
    server = postgres_server
    datastore = PostgresDatastore(
        user=server.user, password=server.password, host=server.host, port=server.port, database="postgres"
    )

    async def test() -> None:
        try:
            with pytest.raises(DatastoreError, match="models"):
                await datastore.get_objects(["topic/1"])
        finally:
            await datastore.close()

    asyncio.run(test())


def test_errors_while_postgres_is_down_and_recovery_after_restart(
    empty_postgres: str, postgres_server: PostgresServer
) -> None:
    async def test(ds: PostgresDatastore, conn: asyncpg.Connection) -> None:
        await write(conn, [create("topic/1", id=1)])
        await ds.open()
        assert await ds.get_objects(["topic/1"]) == {"topic/1": {"id": 1}}
        await asyncio.to_thread(postgres_server.stop)
        try:
            with pytest.raises(DatastoreError):
                await ds.get_objects(["topic/1"])
            with pytest.raises(DatastoreError):
                await ds.newest_position()
            with pytest.raises(DatastoreError):
                await ds.history_information("topic/1")
        finally:
            await asyncio.to_thread(postgres_server.start)
        assert await ds.get_objects(["topic/1"]) == {"topic/1": {"id": 1}}
        assert await ds.newest_position() == 1

    async def main() -> None:
        datastore = PostgresDatastore.from_dsn(empty_postgres)
        conn = await asyncpg.connect(empty_postgres)
        try:
            await test(datastore, conn)
        finally:
            await conn.close(timeout=5)
            await datastore.close()

    asyncio.run(main())
