"""Write to the Postgres datastore the way the OpenSlides datastore writer does (spec §6.4).

Tests, benchmarks and the simulator's Postgres target need data that looks exactly like
production: one position per write, its events with weights, ``models`` rows carrying
``meta_deleted`` and ``meta_position``, and the flat ``ModifiedFields`` entry the writer would
``XADD`` (the caller publishes it). Everything happens in one transaction, so a refused event
leaves no trace. This is not a full writer: there are no collection-field locks, no
``collectionfields`` bookkeeping (the autoupdate service never reads it) and no migrations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Final, Literal

import asyncpg
import msgspec

from domain.events import list_update

_FQID: Final = re.compile(r"[a-z](?:[a-z_]*[a-z])?/[1-9][0-9]{0,14}")
_FQID_MAX_LENGTH: Final = 48
_META_DELETED: Final = "meta_deleted"
_META_POSITION: Final = "meta_position"

_NEW_POSITION: Final = (
    "INSERT INTO positions (timestamp, user_id, information, migration_index) "
    "VALUES (current_timestamp, $1, $2::text::json, 1) RETURNING position"
)
_LOCK_MODELS: Final = (
    "SELECT fqid, data::text, deleted FROM models WHERE fqid = ANY($1::varchar[]) FOR UPDATE"
)
_INSERT_EVENTS: Final = (
    "INSERT INTO events (position, fqid, type, data, weight) "
    "SELECT $1, fqid, type::event_type, data::jsonb, weight "
    "FROM unnest($2::varchar[], $3::text[], $4::text[], $5::int[]) AS e(fqid, type, data, weight)"
)
_UPSERT_MODELS: Final = (
    "INSERT INTO models (fqid, data, deleted) "
    "SELECT fqid, data::jsonb, deleted FROM unnest($1::varchar[], $2::text[], $3::bool[]) "
    "AS m(fqid, data, deleted) "
    "ON CONFLICT (fqid) DO UPDATE SET data = excluded.data, deleted = excluded.deleted"
)
_RAISE_ID_SEQUENCES: Final = (
    "INSERT INTO id_sequences (collection, id) "
    "SELECT collection, id FROM unnest($1::varchar[], $2::int[]) AS s(collection, id) "
    "ON CONFLICT (collection) DO UPDATE SET id = greatest(id_sequences.id, excluded.id)"
)

Model = dict[str, Any]


class WriteEvent(msgspec.Struct, frozen=True):
    """One request event, as the datastore writer accepts it.

    ``create``: ``fields`` is the object. ``update``: ``fields`` to set (None removes a field)
    and ``list_fields`` (``{"add": {field: [values]}, "remove": {field: [values]}}``).
    ``delete`` and ``restore`` take neither.
    """

    type: Literal["create", "update", "delete", "restore"]
    fqid: str
    fields: dict[str, Any] = msgspec.field(default_factory=dict)
    list_fields: dict[str, dict[str, list[Any]]] = msgspec.field(default_factory=dict)


async def write(
    target: Any,
    events: Sequence[WriteEvent],
    *,
    user_id: int = 0,
    information: Any = None,
) -> tuple[int, dict[str, str]]:
    """Write ``events`` as one new position; return it and the ``ModifiedFields`` entry.

    ``target`` is an asyncpg connection or pool. Raises ValueError (and writes nothing) for
    an event the writer refuses: a create of an existing object, a change of a missing or
    deleted one, a restore of one that is not deleted, a list update of a non-list.
    """
    if not events:
        raise ValueError("nothing to write: a write needs at least one event")
    for event in events:
        if len(event.fqid) > _FQID_MAX_LENGTH or not _FQID.fullmatch(event.fqid):
            raise ValueError(f"invalid fqid: {event.fqid!r}")
    if isinstance(target, asyncpg.Pool):
        async with target.acquire() as conn:
            return await _write(conn, events, user_id, information)
    return await _write(target, events, user_id, information)


async def _write(
    conn: Any, events: Sequence[WriteEvent], user_id: int, information: Any
) -> tuple[int, dict[str, str]]:
    async with conn.transaction():
        position = await conn.fetchval(_NEW_POSITION, user_id, json.dumps(information))
        rows = await conn.fetch(_LOCK_MODELS, list({event.fqid for event in events}))
        batch = _Batch(
            position, {fqid: {**_decode(data), _META_DELETED: deleted} for fqid, data, deleted in rows}
        )
        for event in events:
            batch.add(event)
        await conn.execute(_INSERT_EVENTS, position, *batch.event_columns())
        await conn.execute(_UPSERT_MODELS, *batch.model_columns())
        await conn.execute(_RAISE_ID_SEQUENCES, *batch.id_sequence_columns())
    return position, batch.modified_fields()


class _Batch:
    """The events of one position: translated like the writer does, applied to the models."""

    def __init__(self, position: int, models: dict[str, Model]) -> None:
        self._position = position
        self._models = models
        self._events: list[tuple[str, str, Any]] = []
        self._modified: dict[str, dict[str, Any]] = {}
        self._next_ids: dict[str, int] = {}

    def add(self, event: WriteEvent) -> None:
        """Translate ``event`` into stored events and apply them. Raises ValueError."""
        fqid = event.fqid
        model = self._models.get(fqid)
        deleted = model is not None and model[_META_DELETED]
        if event.type == "create":
            if model is not None and not deleted:
                raise ValueError(f"cannot create {fqid}: it exists")
            fields = {name: value for name, value in event.fields.items() if value is not None}
            self._record(fqid, "create", fields, {**fields, _META_DELETED: False})
            collection, _, raw_id = fqid.partition("/")
            self._next_ids[collection] = max(self._next_ids.get(collection, 0), int(raw_id) + 1)
        elif model is None or (deleted and event.type != "restore"):
            raise ValueError(f"cannot {event.type} {fqid}: it does not exist")
        elif event.type == "restore" and not deleted:
            raise ValueError(f"cannot restore {fqid}: it is not deleted")
        elif event.type in ("delete", "restore"):
            self._record(fqid, event.type, None, dict.fromkeys(model))
        else:
            self._update(fqid, event)

    def _update(self, fqid: str, event: WriteEvent) -> None:
        values = {name: value for name, value in event.fields.items() if value is not None}
        removed = [name for name, value in event.fields.items() if value is None]
        if values:
            self._record(fqid, "update", values, values)
        if removed:
            self._record(fqid, "deletefields", removed, dict.fromkeys(removed))
        add, remove = event.list_fields.get("add", {}), event.list_fields.get("remove", {})
        if add or remove:
            model = self._models[fqid]
            for name, listed in [*add.items(), *remove.items()]:
                if not (_is_id_list(listed) and _is_id_list(model.get(name, []))):
                    raise ValueError(f"cannot update list {fqid}/{name}: not a list of ids or strings")
            data = {"add": add, "remove": remove}
            self._record(fqid, "listfields", data, list_update(model, data))

    def _record(self, fqid: str, kind: str, data: Any, modified: dict[str, Any]) -> None:
        """Store one event and apply it to the model, as ``apply_event_to_models`` does."""
        self._events.append((fqid, kind, data))
        self._modified.setdefault(fqid, {}).update(modified)
        if kind == "create":
            model = self._models[fqid] = {**data, _META_DELETED: False}
        else:
            model = self._models[fqid]
            if kind == "deletefields":
                for name in data:
                    model.pop(name, None)
            elif kind in ("delete", "restore"):
                model[_META_DELETED] = kind == "delete"
            else:
                model.update(modified)
        model[_META_POSITION] = self._position

    def event_columns(self) -> tuple[list[str], list[str], list[str], list[int]]:
        """The events as columns for ``unnest``; the weight is the order within the position."""
        fqids = [fqid for fqid, _, _ in self._events]
        kinds = [kind for _, kind, _ in self._events]
        data = [_encode(item) for _, _, item in self._events]
        return fqids, kinds, data, list(range(1, len(fqids) + 1))

    def model_columns(self) -> tuple[list[str], list[str], list[bool]]:
        touched = [fqid for fqid in self._models if fqid in self._modified]
        models = [self._models[fqid] for fqid in touched]
        return touched, [_encode(model) for model in models], [model[_META_DELETED] for model in models]

    def id_sequence_columns(self) -> tuple[list[str], list[int]]:
        return list(self._next_ids), list(self._next_ids.values())

    def modified_fields(self) -> dict[str, str]:
        """The flat ``ModifiedFields`` entry: Python ``json.dumps`` text, plus ``meta_position``."""
        fields: dict[str, str] = {}
        for fqid, changed in self._modified.items():
            for name, value in changed.items():
                fields[f"{fqid}/{name}"] = json.dumps(value)
            fields[f"{fqid}/{_META_POSITION}"] = str(self._position)
        return fields


def _is_id_list(values: Any) -> bool:
    """Only ids and strings compare safely in a list update (the writer's own check)."""
    return isinstance(values, list) and all(isinstance(value, str | int) for value in values)


def _encode(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _decode(text: str) -> Model:
    decoded: Model = msgspec.json.decode(text)
    return decoded
