"""The datastore as it was at one position, for ``?position=N`` (spec A6).

A snapshot belongs to one request: it loads the objects a computation asks for, rebuilt from
the events up to the position, and keeps them only for that request (history is never cached
with current data).
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.reader import MISSING, Object, _Missing
from ports.datastore import Datastore


class Snapshot:
    """A loading data source over ``datastore`` at ``position``."""

    def __init__(self, datastore: Datastore, position: int) -> None:
        self._datastore = datastore
        self.position = position
        self._objects: dict[str, Object | None] = {}

    def lookup(self, fqid: str) -> Object | _Missing | None:
        return self._objects.get(fqid, MISSING)

    async def load(self, fqids: Iterable[str]) -> None:
        wanted = [fqid for fqid in set(fqids) if fqid not in self._objects]
        if wanted:
            self._objects.update(await self._datastore.get_objects(wanted, self.position))

    async def calculate(self, keys: Iterable[str]) -> None:
        """Calculated fields are not part of history: a snapshot never holds pending ones."""
