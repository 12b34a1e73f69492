"""An in-memory datastore with history, so ``position=`` and history information work offline.

It plays both sides of the OpenSlides datastore: the reader the service needs (the
:class:`ports.datastore.Datastore` port) and the writer that produces what the service
consumes. Every write becomes one position with its events, translated the way the
datastore writer translates them, and returns the exact field map the writer would
``XADD`` to ``ModifiedFields``, so a simulator can publish it on its message bus.

Current objects are kept ready, so present-state reads are dictionary lookups; events are
indexed by fqid, so a read at a position replays only the events of the requested objects.
Stored objects are never mutated in place (every change builds a new dict), which keeps a
failed write from leaving half-applied state and lets create events share their data.
"""

from __future__ import annotations

import json
import re
import time
from bisect import bisect_right
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

import msgspec

from domain.events import list_update, replay
from ports.datastore import HistoryEntry

EventType = Literal["create", "update", "deletefields", "listfields", "delete", "restore"]

_FQID = re.compile(r"[a-z](?:[a-z_]*[a-z])?/[1-9][0-9]*")
_META_FIELDS = ("meta_deleted", "meta_position")
"""Fields every row of the real ``models`` table has; a delete or restore announces them too."""

Object = dict[str, Any]


class Event(msgspec.Struct, frozen=True):
    """One change of one object, shaped like a row of the datastore's ``events`` table.

    ``data`` by type: ``create`` and ``update``: the fields (in an update a None value deletes
    the field; it is recorded as a ``deletefields`` event, as the writer does); ``deletefields``:
    the list of field names; ``listfields``: ``{"add": {field: [values]}, "remove": {field:
    [values]}}``; ``delete`` and ``restore``: None.
    """

    type: EventType
    fqid: str
    data: Any = None


class WriteResult(msgspec.Struct, frozen=True):
    """The new position and the ``ModifiedFields`` entry the datastore writer would publish."""

    position: int
    modified_fields: dict[str, str]


class _Position(NamedTuple):
    timestamp: int
    user_id: int
    information: Any


class _Recorded(NamedTuple):
    position: int
    weight: int
    type: EventType
    data: Any


class _Change(NamedTuple):
    """The outcome of one event on one object: its new state, what is stored, what is announced."""

    model: Object | None
    deleted: Object | None
    recorded: list[tuple[EventType, Any]]
    modified: dict[str, Any]


class MemoryDatastore:
    """The datastore in memory: current objects, deleted objects (for restore), positions, events."""

    def __init__(self) -> None:
        self._models: dict[str, Object] = {}
        self._deleted: dict[str, Object] = {}
        self._positions: list[_Position] = []
        self._events: dict[str, list[_Recorded]] = {}

    # Reading: the Datastore port.

    async def get_objects(
        self, fqids: Sequence[str], position: int | None = None
    ) -> dict[str, dict[str, Any] | None]:
        """The objects, None for absent ones. Each dict is a fresh copy a caller may change, but
        the values in it (lists, nested objects) are shared with the stored history: read-only."""
        if position is None:
            models = self._models
            return {fqid: None if (obj := models.get(fqid)) is None else dict(obj) for fqid in fqids}
        return {fqid: self._rebuild(fqid, position) for fqid in fqids}

    async def newest_position(self) -> int:
        return len(self._positions)

    def current(self, fqid: str) -> Object | None:
        """The object as it is now, or None; read-only (shared with the stored history)."""
        return self._models.get(fqid)

    async def history_information(self, fqid: str) -> list[HistoryEntry] | None:
        """Positions that touched ``fqid`` and carry information, ascending (spec A7)."""
        events = self._events.get(fqid)
        if events is None:
            return None
        entries: list[HistoryEntry] = []
        for position in sorted({event.position for event in events}):
            timestamp, user_id, information = self._positions[position - 1]
            if information is not None:
                entries.append(HistoryEntry(position, timestamp, user_id, information))
        return entries

    def _rebuild(self, fqid: str, position: int) -> Object | None:
        """The object right after ``position``, replayed from its events (spec A6)."""
        events = self._events.get(fqid, [])
        upto = bisect_right(events, position, key=lambda e: e.position)
        return replay((event.type, event.data) for event in events[:upto])

    # Writing: what the datastore writer does.

    def write(
        self,
        events: Sequence[Event],
        *,
        user_id: int = 0,
        information: Any = None,
        timestamp: int | None = None,
    ) -> WriteResult:
        """Apply ``events`` atomically as one new position.

        Raises ValueError (and changes nothing) for an event the writer would refuse: a
        create of an existing object, a change of a missing one, a restore of one that is not
        deleted, malformed data.
        """
        position, modified = self._commit(events, user_id, information, timestamp)
        fields: dict[str, str] = {}
        for fqid, changed in modified.items():
            for name, value in changed.items():
                fields[f"{fqid}/{name}"] = json.dumps(value)
            fields[f"{fqid}/meta_position"] = str(position)
        return WriteResult(position, fields)

    def apply_changes(
        self,
        changes: dict[str, Any],
        *,
        user_id: int = 0,
        information: Any = None,
        timestamp: int | None = None,
    ) -> int:
        """Write a flat change map ``collection/id/field → value`` (None deletes) as one position.

        The events are the ones a writer would have stored for it: a new object is created
        (with its ``id`` field added if missing, so it exists for readers), an object whose
        every field is set to None is deleted, anything else is an update. ``meta_*`` fields
        are skipped, so a ``ModifiedFields`` entry can be replayed as it is.
        """
        return self._commit(self.events_of(changes), user_id, information, timestamp)[0]

    def events_of(self, changes: dict[str, Any]) -> list[Event]:
        """The events a writer stores for a flat change map (see :meth:`apply_changes`)."""
        by_fqid: dict[str, dict[str, Any]] = {}
        for key, value in changes.items():
            fqid, _, name = key.rpartition("/")
            if not _FQID.fullmatch(fqid) or not name:
                raise ValueError(f"invalid key: {key}")
            if not name.startswith("meta_"):
                by_fqid.setdefault(fqid, {})[name] = value
        events: list[Event] = []
        for fqid, fields in by_fqid.items():
            model = self._models.get(fqid)
            if model is None:
                created = {name: value for name, value in fields.items() if value is not None}
                if created:
                    created.setdefault("id", int(fqid.rpartition("/")[2]))
                    events.append(Event("create", fqid, created))
            elif model.keys() <= fields.keys() and all(value is None for value in fields.values()):
                events.append(Event("delete", fqid))
            else:
                events.append(Event("update", fqid, fields))
        return events

    def load_export(self, export: dict[str, Any], *, information: Any = None) -> int:
        """Load an OpenSlides export (``collection → {"<id>": object}``) into an empty datastore
        as position 1, one create event per object; keys starting with ``_`` are bookkeeping."""
        if self._positions:
            raise ValueError("an export can only be loaded into an empty datastore")
        events = [
            Event("create", f"{collection}/{raw_id}", obj)
            for collection, objects in export.items()
            if not collection.startswith("_")
            for raw_id, obj in objects.items()
        ]
        info = {"simulator": "initial data"} if information is None else information
        return self._commit(events, 0, info, None)[0]

    def _commit(
        self, events: Sequence[Event], user_id: int, information: Any, timestamp: int | None
    ) -> tuple[int, dict[str, dict[str, Any]]]:
        """Apply ``events`` as one position; return it and the modified fields per fqid."""
        if not events:
            raise ValueError("nothing to write: a write needs at least one event")
        position = len(self._positions) + 1
        staged: dict[str, tuple[Object | None, Object | None]] = {}
        recorded: list[tuple[str, EventType, Any]] = []
        modified: dict[str, dict[str, Any]] = {}
        for event in events:
            if not _FQID.fullmatch(event.fqid):
                raise ValueError(f"invalid fqid: {event.fqid!r}")
            fqid = event.fqid
            model, deleted = staged.get(fqid) or (self._models.get(fqid), self._deleted.get(fqid))
            change = _apply(event, model, deleted)
            staged[fqid] = (change.model, change.deleted)
            recorded.extend((fqid, kind, data) for kind, data in change.recorded)
            if change.recorded:
                modified.setdefault(fqid, {}).update(change.modified)

        for fqid, (model, deleted) in staged.items():
            _store(self._models, fqid, model)
            _store(self._deleted, fqid, deleted)
        for weight, (fqid, kind, data) in enumerate(recorded, start=1):
            self._events.setdefault(fqid, []).append(_Recorded(position, weight, kind, data))
        stamp = int(time.time()) if timestamp is None else timestamp
        self._positions.append(_Position(stamp, user_id, information))
        return position, modified


def _store(into: dict[str, Object], fqid: str, value: Object | None) -> None:
    if value is None:
        into.pop(fqid, None)
    else:
        into[fqid] = value


def _apply(event: Event, model: Object | None, deleted: Object | None) -> _Change:
    """What ``event`` does to an object that is ``model`` now (``deleted``: its data if deleted)."""
    kind, fqid, data = event.type, event.fqid, event.data
    if kind == "create":
        if model is not None:
            raise ValueError(f"cannot create {fqid}: it exists")
        created = {name: value for name, value in _fields(event).items() if value is not None}
        return _Change(created, None, [("create", created)], {**created, "meta_deleted": False})
    if kind == "restore":
        if deleted is None:
            raise ValueError(f"cannot restore {fqid}: it is not deleted")
        return _Change(deleted, None, [("restore", None)], dict.fromkeys([*deleted, *_META_FIELDS]))
    if model is None:
        raise ValueError(f"cannot {kind} {fqid}: it does not exist")
    if kind == "delete":
        return _Change(None, model, [("delete", None)], dict.fromkeys([*model, *_META_FIELDS]))
    if kind == "update":
        fields = _fields(event)
        values = {name: value for name, value in fields.items() if value is not None}
        removed = [name for name, value in fields.items() if value is None]
        recorded: list[tuple[EventType, Any]] = []
        if values:
            recorded.append(("update", values))
        if removed:
            recorded.append(("deletefields", removed))
        new = model
        for recorded_kind, recorded_data in recorded:
            new = _updated(new, recorded_kind, recorded_data)
        return _Change(new, None, recorded, dict(fields))
    if kind == "deletefields":
        if not (isinstance(data, list) and all(isinstance(name, str) for name in data)):
            raise ValueError(f"deletefields of {fqid}: data must be a list of field names")
        return _Change(_updated(model, kind, data), None, [(kind, list(data))], dict.fromkeys(data))
    if kind == "listfields":
        lists = _list_changes(fqid, model, data)
        return _Change({**model, **lists}, None, [(kind, data)], lists)
    raise ValueError(f"unknown event type {kind!r} for {fqid}")


def _fields(event: Event) -> Object:
    if not (isinstance(event.data, dict) and all(isinstance(name, str) for name in event.data)):
        raise ValueError(f"{event.type} of {event.fqid}: data must be an object of fields")
    return event.data


def _updated(model: Object, kind: EventType, data: Any) -> Object:
    """A new dict: ``model`` after an ``update``, ``deletefields`` or ``listfields`` event."""
    if kind == "update":
        return {**model, **data}
    if kind == "deletefields":
        gone = set(data)
        return {name: value for name, value in model.items() if name not in gone}
    return {**model, **list_update(model, data)}


def _list_changes(fqid: str, model: Object, data: Any) -> Object:
    """The resulting lists of a ``listfields`` event, checked as the writer checks them."""
    if not (isinstance(data, dict) and data.keys() <= {"add", "remove"}):
        raise ValueError(f'listfields of {fqid}: data must be {{"add": {{…}}, "remove": {{…}}}}')
    for part in data.values():
        if not (isinstance(part, dict) and all(_is_id_list(values) for values in part.values())):
            raise ValueError(f"listfields of {fqid}: add and remove map field names to lists of ids")
        for name in part:
            current = model.get(name, [])
            if not _is_id_list(current):
                raise ValueError(f"listfields of {fqid}: {name} is not a list of ids or strings")
    return list_update(model, data)


def _is_id_list(values: Any) -> bool:
    """Whether ``values`` can take part in a list update: only ids and strings compare safely."""
    return isinstance(values, list) and all(isinstance(value, str | int) for value in values)
