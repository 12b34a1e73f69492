"""OpenSlides JSON exports: the data the simulator starts from when it does not generate its own.

An export maps ``collection → {"<id>": object}`` and carries bookkeeping under keys starting
with ``_`` (``_migration_index``). It is checked once here, so a wrong file fails at start with
a message naming the file and the first problem, not later as a confusing lookup error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Export = dict[str, Any]


def read_export(path: str | Path) -> Export:
    """Read and check an export file; raises ValueError naming ``path`` and the reason."""
    try:
        with open(path, "rb") as file:
            data = json.load(file)
    except OSError as err:
        raise ValueError(f"{path}: cannot read the export: {err.strerror or err}") from err
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not an OpenSlides export: invalid JSON: {err}") from err
    problem = _problem(data)
    if problem is not None:
        raise ValueError(f"{path}: not an OpenSlides export: {problem}")
    return data  # type: ignore[no-any-return]


def _problem(data: Any) -> str | None:
    """The first reason ``data`` is not an export, or None."""
    if not isinstance(data, dict):
        return f"the top level is a JSON {type(data).__name__}, not an object"
    for collection, objects in data.items():
        if collection.startswith("_"):
            continue
        if not isinstance(objects, dict):
            return f"collection {collection!r} is not an object of id → object"
        for raw_id, obj in objects.items():
            if not (raw_id.isdigit() and raw_id.isascii() and int(raw_id) > 0 and raw_id[0] != "0"):
                return f"{collection}: {raw_id!r} is not a positive id"
            if not isinstance(obj, dict):
                return f"{collection}/{raw_id} is not an object"
            if obj.get("id", int(raw_id)) != int(raw_id):
                return f"{collection}/{raw_id} has the id {obj['id']!r}"
    return None


def flatten(export: Export) -> dict[str, Any]:
    """Every value as ``"collection/id/field" → value``; null values are left out, because in
    the datastore a null means the field does not exist."""
    return {
        f"{collection}/{raw_id}/{name}": value
        for collection, objects in export.items()
        if not collection.startswith("_")
        for raw_id, obj in objects.items()
        for name, value in obj.items()
        if value is not None
    }
