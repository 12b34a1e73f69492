"""Turning raw ``ModifiedFields`` entries into changed values (spec §6.4, reader side)."""

from __future__ import annotations

import logging
from typing import Any

import msgspec

from domain.keys import KeyParseError, parse_key

log = logging.getLogger("autoupdate.changes")

_decoder = msgspec.json.Decoder()


def parse_changes(raw: dict[str, bytes]) -> dict[str, Any]:
    """Decode one batch of the change stream into ``key → value`` (``None`` = no value).

    Field names that are not keys of the data model (``meta_position``, ``traceparent``,
    unknown fields, ids ≤ 0) are ignored, as upstream does. A value that is not JSON (as in
    ``redis-cli xadd ModifiedFields * user/1/username newName``) is taken as a string.
    """
    changes: dict[str, Any] = {}
    for name, value in raw.items():
        try:
            collection, id, field = parse_key(name)
        except KeyParseError:
            continue
        if id <= 0:
            continue
        key = f"{collection}/{id}/{field}"
        try:
            changes[key] = _decoder.decode(value)
        except msgspec.DecodeError:
            text = value.decode("utf-8", errors="replace")
            log.warning("value of %s is not JSON; taking it as the string %r", key, text)
            changes[key] = text
    return changes
