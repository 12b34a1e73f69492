"""Keys (``collection/id/field``) and fqids (``collection/id``): parsing and building."""

from __future__ import annotations

from domain.atoi import atoi
from domain.schema import is_valid_collection_field

Key = str
Fqid = str


class KeyParseError(ValueError):
    """A string that is not a valid key."""


def parse_key(text: str) -> tuple[str, int, str]:
    """Split a key like upstream's ``FromString``: collection before the first ``/``, field after
    the last, id in between (junk ids parse as 0). Fails on fewer than two ``/`` or an unknown
    collection-field."""
    first = text.find("/")
    last = text.rfind("/")
    if first < 0 or first == last:
        raise KeyParseError(f"invalid key: {text}")
    collection, raw_id, name = text[:first], text[first + 1 : last], text[last + 1 :]
    if not is_valid_collection_field(collection, name):
        raise KeyParseError(f"invalid key: {text}")
    return collection, atoi(raw_id) or 0, name


def make_key(collection: str, id: int, field: str) -> Key | None:
    """``collection/id/field`` if it is a valid key (known collection-field, id > 0), else None."""
    if id <= 0 or not is_valid_collection_field(collection, field):
        return None
    return f"{collection}/{id}/{field}"
