"""The simulator's writer announces a change as the datastore writer does, so the service reads
it back unchanged from ``ModifiedFields``."""

from __future__ import annotations

import asyncio
from typing import Any

from fakeredis import FakeAsyncRedis

from domain.changes import parse_changes
from simulator.bus_writer import MODIFIED_FIELDS_STREAM, BusWriter


def test_a_write_is_one_entry_the_reader_decodes_to_the_same_change() -> None:
    async def run() -> None:
        client = FakeAsyncRedis()
        changes = {"motion/1/title": "New", "motion/1/text": None, "motion/1/tag_ids": [1, 2]}
        entry = await BusWriter(client).write(changes)
        entries: Any = await client.xrange(MODIFIED_FIELDS_STREAM)  # redis-py types no reply shape
        [(entry_id, fields)] = entries
        assert entry_id.decode() == entry
        assert parse_changes({k.decode(): v for k, v in fields.items()}) == changes

    asyncio.run(run())
