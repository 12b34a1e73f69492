"""The description of one field of the data model (the generated schema is made of these)."""

from __future__ import annotations

from typing import Any, NamedTuple


class Field(NamedTuple):
    """One field of a collection, as declared in ``models.yml``.

    ``to`` lists the relation targets as ``collection/reverse_field`` strings: one entry for a
    plain relation, one per possible target collection for a generic relation, empty for a
    non-relation field.
    """

    type: str
    mode: str
    to: tuple[str, ...] = ()
    required: bool = False
    calculated: bool = False
    default: Any = None

    @property
    def is_relation(self) -> bool:
        return self.type in RELATION_TYPES

    @property
    def is_generic(self) -> bool:
        return self.type.startswith("generic-")

    @property
    def is_list(self) -> bool:
        return self.type.endswith("-list")


RELATION_TYPES = frozenset({"relation", "relation-list", "generic-relation", "generic-relation-list"})
