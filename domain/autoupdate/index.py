"""The dependency index: which dependents (groups, members, waiting longpolls, calculated
keys) read which key.

A change batch wakes exactly the dependents that read a changed key; nobody else is touched.
The index also tells the cache which objects are in use (``Pins``): an object is pinned while
any of its keys is indexed, so the cache never evicts what an open dependent reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Dependent(Protocol):
    deps: set[str]
    """The keys the index has this dependent under (kept by the index)."""


class Listener(Dependent, Protocol):
    """A dependent that is told when a key it read changes."""

    def notify(self, changed: Iterable[str]) -> None:
        """Some of ``changed`` (a batch's keys) are among :attr:`deps`."""
        ...


class Pins(Protocol):
    """Told of every key of an object that enters the index and of every one that leaves: the
    object is in use while more entered than left."""

    def pin(self, fqid: str) -> None: ...

    def unpin(self, fqid: str) -> None: ...


class DependencyIndex:
    def __init__(self, pins: Pins | None = None) -> None:
        self._by_key: dict[str, set[Dependent]] = {}
        self._pins = pins

    def update(self, dependent: Dependent, keys: set[str]) -> None:
        """Replace the keys ``dependent`` depends on."""
        old = dependent.deps
        for key in keys - old:
            self._insert(key, dependent)
        for key in old - keys:
            self._discard(key, dependent)
        dependent.deps = keys

    def add(self, dependent: Dependent, keys: Iterable[str]) -> None:
        """Add to the keys ``dependent`` depends on."""
        deps = dependent.deps
        for key in keys:
            if key not in deps:
                deps.add(key)
                self._insert(key, dependent)

    def remove(self, dependent: Dependent) -> None:
        for key in dependent.deps:
            self._discard(key, dependent)
        dependent.deps = set()

    def affected(self, keys: Iterable[str]) -> set[Dependent]:
        found: set[Dependent] = set()
        for key in keys:
            dependents = self._by_key.get(key)
            if dependents:
                found |= dependents
        return found

    def __len__(self) -> int:
        return len(self._by_key)

    def _insert(self, key: str, dependent: Dependent) -> None:
        dependents = self._by_key.get(key)
        if dependents is None:
            dependents = self._by_key[key] = set()
            if self._pins is not None:
                self._pins.pin(key.rpartition("/")[0])
        dependents.add(dependent)

    def _discard(self, key: str, dependent: Dependent) -> None:
        dependents = self._by_key.get(key)
        if dependents is not None:
            dependents.discard(dependent)
            if not dependents:
                del self._by_key[key]
                if self._pins is not None:
                    self._pins.unpin(key.rpartition("/")[0])
