"""Synchronous, recording reads over one consistent state of the data.

Domain code (keysbuilder, restricter, projector) never awaits per key. It reads through a
:class:`Reader`; every key read is recorded, because those keys are what the result depends on.
A read of an object the source does not hold yet returns ``None`` and notes the fqid in
:attr:`Reader.missing`; the engine then fetches all missing objects in one batch and runs the
computation again. Only a run that ends with nothing missing counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
"""Returned by a :class:`DataSource` for an object it has not loaded (unknown, not absent)."""


class _Pending:
    __slots__ = ()

    def __repr__(self) -> str:
        return "PENDING"


PENDING: Final = _Pending()
"""The value of a calculated field (``projection/content``) not calculated yet: reading it is
a miss (:attr:`Reader.pending`), and the engine has it calculated before running again."""

Object = dict[str, Any]


class DataSource(Protocol):
    """Objects by fqid: the fields of the object, ``None`` if it does not exist, or ``MISSING``."""

    def lookup(self, fqid: str) -> Object | _Missing | None: ...


class ValueReader(Protocol):
    """What consumers of values need: many keys at once, ``None`` for no value."""

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]: ...


class Reader:
    """Reads values from a :class:`DataSource`, recording every key and every missing object."""

    __slots__ = ("missing", "pending", "reads", "source")

    def __init__(self, source: DataSource) -> None:
        self.source = source
        self.reads: set[str] = set()
        self.missing: set[str] = set()
        self.pending: set[str] = set()

    def get(self, key: str) -> Any:
        """The value of ``key`` (``None`` if absent, not visible to the source, or missing)."""
        self.reads.add(key)
        fqid, _, field = key.rpartition("/")
        obj = self.source.lookup(fqid)
        if obj is None:
            return None
        if obj is MISSING:
            self.missing.add(fqid)
            return None
        value = obj.get(field)  # type: ignore[union-attr]
        if value is PENDING:
            self.pending.add(key)
            return None
        return value

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        return {key: self.get(key) for key in keys}

    def exists(self, fqid: str) -> bool:
        """Whether the object exists; an object exists while it has an ``id``."""
        return self.get(f"{fqid}/id") is not None

    @property
    def complete(self) -> bool:
        """True when no read hit an object the source still has to load, or a calculated value
        it still has to calculate."""
        return not self.missing and not self.pending


class FlatSource:
    """A :class:`DataSource` over a plain flat mapping ``"collection/id/field" → value``.

    Everything not in the mapping is known not to exist, so reads never miss. Used by the
    reuse facade (``domain.api``) and by tests.
    """

    __slots__ = ("objects",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.objects: dict[str, Object] = {}
        for key, value in data.items():
            if value is None:
                continue
            fqid, _, field = key.rpartition("/")
            self.objects.setdefault(fqid, {})[field] = value

    def lookup(self, fqid: str) -> Object | None:
        return self.objects.get(fqid)
