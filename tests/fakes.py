"""Small hand-written fakes for tests of the domain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ports.datastore import HistoryEntry


class FlatDatastore:
    """A Datastore over a flat ``collection/id/field → value`` dict; counts the reads."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = {k: v for k, v in (data or {}).items() if v is not None}
        self.reads = 0
        self.fail: Exception | None = None

    def update(self, changes: Mapping[str, Any]) -> None:
        for key, value in changes.items():
            if value is None:
                self.data.pop(key, None)
            else:
                self.data[key] = value

    async def get_objects(
        self, fqids: Sequence[str], position: int | None = None
    ) -> dict[str, dict[str, Any] | None]:
        self.reads += 1
        if self.fail is not None:
            raise self.fail
        objects: dict[str, dict[str, Any] | None] = dict.fromkeys(fqids)
        wanted = set(fqids)
        for key, value in self.data.items():
            fqid, _, field = key.rpartition("/")
            if fqid in wanted:
                obj = objects[fqid]
                if obj is None:
                    obj = objects[fqid] = {}
                obj[field] = value
        return objects

    async def newest_position(self) -> int:
        return 0

    async def history_information(self, fqid: str) -> list[HistoryEntry] | None:
        return None
