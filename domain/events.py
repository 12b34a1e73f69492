"""Rebuild an object from its datastore events (spec A6), the same way for every datastore.

The Postgres adapter replays rows of the ``events`` table and the simulator's in-memory
datastore replays its own record of them; both call :func:`replay`, so ``position=`` answers
cannot drift apart between production and the simulator. The event ``data`` shapes are those
the OpenSlides datastore writer stores:

* ``create``: ``{field: value}``, the complete object;
* ``update``: ``{field: value}``, fields to set (a null value removes the field);
* ``deletefields``: ``[field, …]``;
* ``listfields``: ``{"add": {field: [values]}, "remove": {field: [values]}}``;
* ``delete`` and ``restore``: null; the fields survive a delete, so a restore brings them back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

EVENT_TYPES: Final = frozenset({"create", "update", "deletefields", "listfields", "delete", "restore"})


def replay(events: Iterable[tuple[str, Any]]) -> dict[str, Any] | None:
    """The object after ``events`` (``(type, data)`` in position and weight order), or None.

    None means the object does not exist: it has no ``create`` yet or its last deletion was not
    restored. Events before the first ``create`` change nothing, as there is nothing to change.
    Raises ValueError for an unknown event type.
    """
    state: dict[str, Any] | None = None
    exists = False
    for kind, data in events:
        if kind == "create":
            state, exists = {name: value for name, value in data.items() if value is not None}, True
        elif kind not in EVENT_TYPES:
            raise ValueError(f"unknown event type: {kind!r}")
        elif state is None:
            continue
        elif kind == "update":
            for name, value in data.items():
                if value is None:
                    state.pop(name, None)
                else:
                    state[name] = value
        elif kind == "deletefields":
            for name in data:
                state.pop(name, None)
        elif kind == "listfields":
            state.update(list_update(state, data))
        else:
            exists = kind == "restore"
    return state if exists else None


def list_update(model: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The resulting lists of a ``listfields`` event: only the fields it touches.

    ``add`` appends the values a list lacks (a missing field counts as an empty list);
    ``remove`` then drops the listed values from the fields that exist. The elements are ids or
    strings (the writer refuses anything else), so sets keep long lists linear. The datastore
    writer publishes exactly these lists on ``ModifiedFields``.
    """
    result: dict[str, list[Any]] = {}
    for name, values in (data.get("add") or {}).items():
        merged = list(model.get(name) or [])
        present = set(merged)
        for value in values:
            if value not in present:
                merged.append(value)
                present.add(value)
        result[name] = merged
    for name, values in (data.get("remove") or {}).items():
        current = result.get(name, model.get(name))
        if current is not None:
            gone = set(values)
            result[name] = [value for value in current if value not in gone]
    return result
