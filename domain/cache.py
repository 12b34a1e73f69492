"""The per-process cache of datastore objects, shared by every connection.

Whole objects (one ``models`` row per fqid) are cached: fewer queries than single fields, and
later reads of other fields of the same object are hits. The change stream keeps cached objects
current; objects the cache never loaded are not stored (spec §6.3). Loads are single-flight per
fqid and run detached from the waiting request, so one client leaving does not cancel a load
others wait for. An update that arrives while its object is being loaded wins over the loaded
value (it is replayed on top).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from domain.reader import MISSING, Object, _Missing
from ports.datastore import Datastore

_Batch = asyncio.Future[None]


class Cache:
    """Objects by fqid; ``None`` means known not to exist. Implements ``DataSource``.

    Calculated fields (``poll/live_votes`` from the vote service, ``projection/content`` from
    the projector) do not live in the datastore: their values are kept in an overlay that is
    laid over the object whenever it is loaded, so an update for an object nobody read yet is
    not lost.
    """

    def __init__(self, datastore: Datastore, calculated: frozenset[str] = frozenset()) -> None:
        self._datastore = datastore
        self._calculated = calculated
        self._overlay: dict[str, dict[str, Any]] = {}
        self._objects: dict[str, Object | None] = {}
        self._pending: dict[str, _Batch] = {}
        self._pending_updates: dict[str, dict[str, Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def datastore(self) -> Datastore:
        return self._datastore

    def lookup(self, fqid: str) -> Object | _Missing | None:
        return self._objects.get(fqid, MISSING)

    async def load(self, fqids: Iterable[str]) -> None:
        """Make sure every fqid is cached. Raises ``DatastoreError`` if the datastore fails."""
        wanted = set(fqids)
        mine = [f for f in wanted if f not in self._objects and f not in self._pending]
        waits = {self._pending[f] for f in wanted if f in self._pending}
        if mine:
            batch: _Batch = asyncio.get_running_loop().create_future()
            for fqid in mine:
                self._pending[fqid] = batch
                self._pending_updates[fqid] = {}
            task = asyncio.create_task(self._fetch(mine, batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            waits.add(batch)
        for wait in waits:
            await asyncio.shield(wait)

    async def _fetch(self, fqids: list[str], batch: _Batch) -> None:
        try:
            objects = await self._datastore.get_objects(fqids)
        except Exception as error:
            for fqid in fqids:
                if self._pending.get(fqid) is batch:
                    del self._pending[fqid]
                    self._pending_updates.pop(fqid, None)
            batch.set_exception(error)
            batch.exception()  # mark retrieved: waiters may all have left
            return
        for fqid in fqids:
            if self._pending.get(fqid) is not batch:
                continue  # reset while loading
            del self._pending[fqid]
            obj = objects.get(fqid)
            updates = self._pending_updates.pop(fqid)
            overlay = self._overlay.get(fqid)
            if overlay and obj is not None:
                obj = _merged(obj, overlay)
            if updates:
                obj = _merged(obj, updates)
            self._objects[fqid] = obj
        batch.set_result(None)

    def apply(self, changes: dict[str, Any]) -> None:
        """Apply one batch of changed keys atomically (``None`` = the key has no value)."""
        for key, value in changes.items():
            fqid, _, field = key.rpartition("/")
            if self._calculated and _collection_field(fqid, field) in self._calculated:
                self._overlay_set(fqid, field, value)
            if fqid in self._objects:
                obj = self._objects[fqid]
                if obj is None:
                    if value is None:
                        continue
                    obj = self._objects[fqid] = {}
                if value is None:
                    obj.pop(field, None)
                else:
                    obj[field] = value
            elif fqid in self._pending_updates:
                self._pending_updates[fqid][field] = value

    def _overlay_set(self, fqid: str, field: str, value: Any) -> None:
        if value is None:
            fields = self._overlay.get(fqid)
            if fields is not None:
                fields.pop(field, None)
                if not fields:
                    del self._overlay[fqid]
        else:
            self._overlay.setdefault(fqid, {})[field] = value

    def reset(self) -> None:
        """Forget everything read from the datastore (``CACHE_RESET``); loads in flight are
        discarded. Calculated values stay: their sources keep them current."""
        self._objects.clear()
        self._pending.clear()
        self._pending_updates.clear()

    def statistics(self) -> tuple[int, int]:
        """``(number of cached keys, number of cached objects)`` for metrics."""
        keys = sum(len(obj) for obj in self._objects.values() if obj)
        return keys, len(self._objects)


def _merged(obj: Object | None, updates: dict[str, Any]) -> Object | None:
    result = dict(obj or {})
    for field, value in updates.items():
        if value is None:
            result.pop(field, None)
        else:
            result[field] = value
    return result if result or obj is not None else None


def _collection_field(fqid: str, field: str) -> str:
    return f"{fqid[: fqid.find('/')]}/{field}"
