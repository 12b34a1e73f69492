"""The cache's objects and what they cost: objects in use stay, the rest within a budget.

An object is *in use* while an open stream, a waiting longpoll or a calculated slide reads one
of its keys (it is *pinned*: the dependency index names it), or while a computation that
loaded it is still running (it is *held*). Objects in use never leave: their updates keep
coming from the change stream. The others wait in least-recently-used order (recency: when
they were loaded, changed, or stopped being in use), up to ``max_bytes`` estimated bytes;
beyond that the oldest leave, and a later read loads them again with current data.

Entries for objects known not to exist are bounded by count (``max_absent``) and only a hold
keeps them: pinning one saves nothing but a reload, since the dependency index, not the cache,
tells who must hear of the object being created.

Eviction happens only in :meth:`ObjectStore.shrink`, which the cache calls after a load, a
change batch, an unpin or the end of a hold: never while a computation reads (computations
are synchronous).
"""

from __future__ import annotations

from collections import OrderedDict

from domain.reader import Object

OBJECT_BYTES = 400
"""An object's own cost: its dict, the fqid and the bookkeeping entries of the cache."""
FIELD_BYTES = 100
"""A field's cost beside its value: the dict slot and the field name."""
ITEM_BYTES = 40
"""One element of a list value (a pointer and a small int or short string)."""


def estimate(obj: Object) -> int:
    """The bytes ``obj`` costs in memory, estimated from its shape in O(fields): strings by
    length, lists by their number of elements, nested JSON objects (``permissions``, slide
    contents) by their own fields. Close to ``sys.getsizeof`` summed over the object's parts
    (field names included), and never zero."""
    size = OBJECT_BYTES + FIELD_BYTES * len(obj)
    for value in obj.values():
        kind = type(value)
        if kind is str:
            size += 50 + len(value)
        elif kind is list:
            size += 56 + ITEM_BYTES * len(value)
        elif kind is dict:
            size += estimate(value)
        else:
            size += 32
    return size


class ObjectStore:
    """Cached objects by fqid (``None``: known not to exist) with their bounded remainder.

    :attr:`objects` is read directly by the cache's lookups; every other change goes through
    the methods, which keep the accounting right."""

    def __init__(self, max_bytes: int, max_absent: int) -> None:
        self.objects: dict[str, Object | None] = {}
        self.max_bytes = max_bytes
        self.max_absent = max_absent
        self.bytes = 0
        """Estimated bytes of every cached object (in use or not)."""
        self.evictions = 0
        self._sizes: dict[str, int] = {}
        self._pins: dict[str, int] = {}
        """Keys of each object that open dependents read (the dependency index counts them)."""
        self._held: dict[str, int] = {}
        self._idle: OrderedDict[str, int] = OrderedDict()
        """Existing objects not in use, oldest first, with their size."""
        self.idle_bytes = 0
        self._absent: OrderedDict[str, None] = OrderedDict()
        """Known-missing entries nobody holds, oldest first."""

    def put(self, fqid: str, obj: Object | None) -> None:
        """Store a loaded object (``None``: it does not exist)."""
        self.objects[fqid] = obj
        self.changed(fqid)

    def changed(self, fqid: str) -> None:
        """The cached entry of ``fqid`` was replaced or changed in place: size it again."""
        self._unlist(fqid)
        obj = self.objects.get(fqid)
        size = 0 if obj is None else estimate(obj)
        self.bytes += size - self._sizes.pop(fqid, 0)
        if size:
            self._sizes[fqid] = size
        self._list(fqid)

    def pin(self, fqid: str) -> None:
        """Open dependents read one more key of ``fqid``: keep it while they do."""
        if _count_up(self._pins, fqid):
            self._unlist(fqid)
            self._list(fqid)  # a known-missing entry stays listed: pins do not keep it

    def unpin(self, fqid: str) -> None:
        """Open dependents read one key of ``fqid`` less (call :meth:`shrink` after)."""
        if _count_down(self._pins, fqid):
            self._unlist(fqid)
            self._list(fqid)

    def hold(self, fqid: str) -> None:
        """A running computation needs ``fqid`` (loaded or about to be): keep it."""
        if _count_up(self._held, fqid):
            self._unlist(fqid)

    def release(self, fqid: str) -> None:
        """End one :meth:`hold` (call :meth:`shrink` after)."""
        if _count_down(self._held, fqid):
            self._list(fqid)

    def shrink(self) -> None:
        """Evict the oldest objects not in use until both bounds hold."""
        while self.idle_bytes > self.max_bytes:
            fqid, size = self._idle.popitem(last=False)
            self.idle_bytes -= size
            self._drop(fqid)
        while len(self._absent) > self.max_absent:
            fqid, _ = self._absent.popitem(last=False)
            self._drop(fqid)

    def clear(self) -> None:
        """Forget every object; pins and holds stay (they name fqids, cached or not)."""
        self.objects.clear()
        self._sizes.clear()
        self._idle.clear()
        self._absent.clear()
        self.bytes = self.idle_bytes = 0

    @property
    def absent(self) -> int:
        """Number of known-missing entries (held ones included)."""
        return len(self.objects) - len(self._sizes)

    def _drop(self, fqid: str) -> None:
        del self.objects[fqid]
        self.bytes -= self._sizes.pop(fqid, 0)
        self.evictions += 1

    def _unlist(self, fqid: str) -> None:
        size = self._idle.pop(fqid, None)
        if size is not None:
            self.idle_bytes -= size
        self._absent.pop(fqid, None)

    def _list(self, fqid: str) -> None:
        """Queue ``fqid`` for eviction (newest) if it is cached and not in use."""
        if fqid in self._held or fqid not in self.objects:
            return
        size = self._sizes.get(fqid)
        if size is None:
            self._absent[fqid] = None
        elif fqid not in self._pins:
            self._idle[fqid] = size
            self.idle_bytes += size


def _count_up(counts: dict[str, int], fqid: str) -> bool:
    """Count one more for ``fqid``; whether it is the first."""
    count = counts.get(fqid, 0)
    counts[fqid] = count + 1
    return not count


def _count_down(counts: dict[str, int], fqid: str) -> bool:
    """Count one less for ``fqid``; whether it was the last."""
    count = counts.pop(fqid)
    if count > 1:
        counts[fqid] = count - 1
    return count == 1
