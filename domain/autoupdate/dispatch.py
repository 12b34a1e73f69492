"""Change dispatch: a batch of changed keys reaches exactly those who read one of them.

The batch is applied to the cache at once (one consistent state, spec A9). Calculated keys
(slide contents, ``projection/1/content``) that read a changed key are invalidated and count
as changed too; the next reader calculates them again, once for everybody, on the new data.
Then every dependent (group, member, waiting longpoll) that read a changed key is notified.
"""

from __future__ import annotations

from typing import Any, cast

from domain.autoupdate.compute import run_complete
from domain.autoupdate.group import Group
from domain.autoupdate.groups import Groups
from domain.autoupdate.index import DependencyIndex, Listener
from domain.cache import Cache
from domain.projector.content import calculate as calculate_content
from domain.projector.context import SlideRegistry


class Calculated:
    """A calculated key and the keys its last calculation read: a change of one of them
    invalidates the value (it is not notified like a listener)."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.deps: set[str] = set()


class ChangeDispatch:
    def __init__(
        self, cache: Cache, index: DependencyIndex, groups: Groups, slides: SlideRegistry | None
    ) -> None:
        self.cache = cache
        self.index = index
        self.groups = groups
        self._slides = slides
        self._calculated: dict[str, Calculated] = {}
        if slides is not None:
            cache.calculate_with(frozenset({"projection/content"}), self._calculate)

    def apply(self, changes: dict[str, Any]) -> list[str]:
        """Apply a batch of changed values (``None``: no value) and wake who read them; returns
        the calculated keys it invalidated."""
        self.cache.apply(changes)
        self.groups.generation += 1
        affected = self.index.affected(changes)
        invalidated = [d for d in affected if isinstance(d, Calculated)]
        for calculated in invalidated:
            self.index.remove(calculated)
            self.cache.invalidate(calculated.key)
        keys = [calculated.key for calculated in invalidated]
        changed: list[str] = [*changes, *keys]
        if keys:
            affected = (affected - set(invalidated)) | self.index.affected(keys)
        for dependent in list(affected):  # a leader's keys are its followers' keys too
            if isinstance(dependent, Group) and dependent.followers:
                affected |= dependent.followers
        # groups of one user run after the shared groups, so they can start from their decisions
        for dependent in sorted(affected, key=_own_group):
            if not isinstance(dependent, Calculated):
                cast(Listener, dependent).notify(changed)
        return keys

    async def _calculate(self, key: str) -> Any:
        """Calculate a slide content once for everybody and remember what it read."""
        assert self._slides is not None
        slides = self._slides
        projection_id = int(key.split("/")[1])
        value, reads = await run_complete(
            self.cache, lambda reader: calculate_content(reader, projection_id, slides)
        )
        calculated = self._calculated.get(key)
        if calculated is None:
            calculated = self._calculated[key] = Calculated(key)
        self.index.update(calculated, reads)
        return value


def _own_group(dependent: object) -> bool:
    return isinstance(dependent, Group) and dependent.owner is not None
