"""The per-process cache of datastore objects, shared by every connection.

Whole objects (one ``models`` row per fqid) are cached: fewer queries than single fields, and
later reads of other fields of the same object are hits. The change stream keeps cached objects
current; objects the cache never loaded are not stored (spec §6.3). Loads are single-flight per
fqid; the request that starts one finishes it in a shielded scope, so one client leaving does not
cancel a load others wait for (calculations run in tasks of the cache's own). An update that
arrives while its object is being loaded wins over the loaded value (it is replayed on top).

Memory is bounded (``cache_store``): objects that open dependents read stay, the rest stay within
a byte budget, and a computation keeps what it loaded until it stops loading (a *hold*), so
that its next run finds it. Holds end in a task of the cache's own, so the cache runs
(``running``) for as long as its engine does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from anyio.abc import TaskGroup

from domain.background import NotRunning
from domain.cache_store import ObjectStore
from domain.outcome import Outcome
from domain.reader import MISSING, PENDING, Object, _Missing
from ports.datastore import Datastore

DEFAULT_MAX_BYTES = 128 * 1024 * 1024
"""Estimated bytes of objects not in use that the cache keeps (``CACHE_MAX_BYTES``)."""
MAX_ABSENT = 4096
"""Entries for objects known not to exist that the cache keeps while nobody loads them."""

_Batch = Outcome[None]


Calculator = Callable[[str], Awaitable[Any]]
"""Calculates the value of a calculated key (``projection/1/content``) on the current data."""


class Cache:
    """Objects by fqid; ``None`` means known not to exist. Implements ``DataSource``.

    Two kinds of fields do not live in the datastore. *Pushed* fields (``poll/live_votes``,
    from the vote service) keep their values in an overlay that is laid over the object
    whenever it is loaded, so an update for an object nobody read yet is not lost.
    *Calculated* fields (``projection/content``) are computed here on demand by a calculator:
    a loaded object carries ``PENDING`` for them, and loading such an object (which readers
    do when they hit ``PENDING``) calculates them, once for everybody.
    """

    def __init__(
        self,
        datastore: Datastore,
        pushed: frozenset[str] = frozenset(),
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_absent: int = MAX_ABSENT,
    ) -> None:
        self._datastore = datastore
        self._pushed = pushed
        self._computed_fields: dict[str, tuple[str, ...]] = {}
        self.calculator: Calculator | None = None
        self._computing: dict[str, Outcome[None]] = {}
        self._overlay: dict[str, dict[str, Any]] = {}
        self._store = ObjectStore(max_bytes, max_absent)
        self._objects = self._store.objects
        self._holds: dict[int, _Hold] = {}
        """By task id: the computation a task runs."""
        self._ending: list[tuple[int, int]] = []
        """Holds to end once their tasks wait: ``(task id, token)``."""
        self._wake: anyio.Event | None = None
        """Set when :attr:`_ending` has entries; ``None`` while the cache is not running."""
        self._tasks: TaskGroup | None = None
        """Where calculations run, apart from the requests that wait for them."""
        self._pending: dict[str, _Batch] = {}
        self._pending_updates: dict[str, dict[str, Any]] = {}

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the task that ends holds (see ``_hold``) and the calculations; loads need it.
        Entered again (several engines over one cache, nested), the outermost entry runs it."""
        if self._wake is not None:
            yield
            return
        async with anyio.create_task_group() as tasks:
            self._tasks, self._wake = tasks, anyio.Event()
            tasks.start_soon(self._end_holds)
            try:
                yield
            finally:
                self._tasks = self._wake = None
                tasks.cancel_scope.cancel()
        self._end_holds_now()

    async def _end_holds(self) -> None:
        while (wake := self._wake) is not None:
            await wake.wait()
            if self._wake is wake:  # else stopped meanwhile
                self._wake = anyio.Event()
            self._end_holds_now()

    def _end_holds_now(self) -> None:
        ending, self._ending = self._ending, []
        for task, token in ending:
            self._release(task, token)

    @property
    def datastore(self) -> Datastore:
        return self._datastore

    def lookup(self, fqid: str) -> Object | _Missing | None:
        return self._objects.get(fqid, MISSING)

    async def load(self, fqids: Iterable[str]) -> None:
        """Make sure every fqid is cached. Raises ``DatastoreError`` if the datastore fails."""
        wanted = set(fqids)
        self._hold(wanted)
        try:
            mine = [f for f in wanted if f not in self._objects and f not in self._pending]
            waits = {self._pending[f] for f in wanted if f in self._pending}
            if mine:
                batch: _Batch = Outcome()
                for fqid in mine:
                    self._pending[fqid] = batch
                    self._pending_updates[fqid] = {}
                with anyio.CancelScope(shield=True):  # others may wait for it: leaving waits too
                    await self._fetch(mine, batch)
                waits.add(batch)
            for wait in waits:
                await wait.wait()
        finally:
            self._release_later()

    async def calculate(self, keys: Iterable[str]) -> None:
        """Calculate the calculated keys a reader found ``PENDING``, once for all waiters."""
        self._hold(())  # the caller is still between two runs: what it loaded stays held
        try:
            for key in keys:
                running = self._computing.get(key)
                if running is None:
                    if self.calculator is None:
                        raise RuntimeError(f"no calculator for {key}")
                    running = self._computing[key] = Outcome()
                    assert self._tasks is not None  # running: ``_hold`` checked
                    # A task of its own: its computation holds what it loads apart from the
                    # caller's, and the caller leaving does not cancel it.
                    self._tasks.start_soon(self._store_calculated, key, self.calculator, running)
                await running.wait()
        finally:
            self._release_later()

    def _hold(self, fqids: Iterable[str]) -> None:
        """Keep ``fqids`` for the computation of the running task until it stops loading.

        A computation runs synchronously right after its load returns; if that run loads
        again, the hold goes on, else it ends once the task next waits (``_release_later``).
        So eviction never takes what a computation between two runs still needs."""
        if self._wake is None:
            raise NotRunning("the cache is not running (its composition root starts it: `running()`)")
        task = anyio.get_current_task().id
        hold = self._holds.get(task)
        if hold is None:
            hold = self._holds[task] = _Hold()
        hold.token += 1
        for fqid in fqids:
            if fqid not in hold.fqids:
                hold.fqids.add(fqid)
                self._store.hold(fqid)

    def _release_later(self) -> None:
        task = anyio.get_current_task().id
        hold = self._holds.get(task)
        if hold is None:
            return
        if self._wake is None:  # stopped meanwhile: nobody runs after this
            self._release(task, hold.token)
        else:
            self._ending.append((task, hold.token))
            self._wake.set()

    def _release(self, task: int, token: int) -> None:
        hold = self._holds.get(task)
        if hold is None or hold.token != token:
            return  # the task loads again: the later release ends the hold
        del self._holds[task]
        for fqid in hold.fqids:
            self._store.release(fqid)
        self._store.shrink()

    def pin(self, fqid: str) -> None:
        """Open dependents read one more key of ``fqid`` (the dependency index tells)."""
        self._store.pin(fqid)

    def unpin(self, fqid: str) -> None:
        """Open dependents read one key of ``fqid`` less; unread, it may leave when over the
        budget."""
        self._store.unpin(fqid)
        self._store.shrink()

    async def _store_calculated(self, key: str, calculator: Calculator, outcome: Outcome[None]) -> None:
        try:
            value = await calculator(key)
        except Exception as error:
            outcome.set_error(error)
            return
        except BaseException:  # the cache stops
            outcome.set_result(None)  # still PENDING: its readers calculate it again
            raise
        finally:
            self._computing.pop(key, None)
        fqid, _, field = key.rpartition("/")
        obj = self._objects.get(fqid)
        if obj and obj.get(field) is PENDING:
            if value is None:
                obj.pop(field, None)
            else:
                obj[field] = value
            self._store.changed(fqid)
        outcome.set_result(None)

    def calculate_with(self, computed: frozenset[str], calculator: Calculator) -> None:
        """Calculate the fields ``computed`` (``collection/field``) here, with ``calculator``."""
        self._computed_fields = _by_collection(computed)
        self.calculator = calculator

    def invalidate(self, key: str) -> None:
        """Forget a calculated value: the next reader calculates it again."""
        fqid, _, field = key.rpartition("/")
        obj = self._objects.get(fqid)
        if obj:
            obj[field] = PENDING

    async def _fetch(self, fqids: list[str], batch: _Batch) -> None:
        try:
            objects = await self._datastore.get_objects(fqids)
        except BaseException as error:
            for fqid in fqids:
                if self._pending.get(fqid) is batch:
                    del self._pending[fqid]
                    self._pending_updates.pop(fqid, None)
            if isinstance(error, Exception):
                batch.set_error(error)
                return
            batch.set_result(None)  # cancelled (no shield stops a task's own cancel()): the
            raise  # waiters' readers find the objects missing and load them again
        for fqid in fqids:
            if self._pending.get(fqid) is not batch:
                continue  # reset while loading
            del self._pending[fqid]
            obj = objects.get(fqid)
            updates = self._pending_updates.pop(fqid)
            overlay = self._overlay.get(fqid)
            if overlay and obj is not None:
                obj = _merged(obj, overlay)
            if updates:
                obj = _merged(obj, updates)
            if obj is not None:
                for field in self._computed_fields.get(fqid[: fqid.find("/")], ()):
                    obj[field] = PENDING
            self._store.put(fqid, obj)
        self._store.shrink()
        batch.set_result(None)

    def apply(self, changes: dict[str, Any]) -> None:
        """Apply one batch of changed keys atomically (``None`` = the key has no value)."""
        touched: set[str] = set()
        for key, value in changes.items():
            fqid, _, field = key.rpartition("/")
            if self._pushed and _collection_field(fqid, field) in self._pushed:
                self._overlay_set(fqid, field, value)
            computed = self._computed_fields.get(fqid[: fqid.find("/")], ())
            if field in computed:
                continue  # calculated here, never taken from the change stream
            if fqid in self._objects:
                obj = self._objects[fqid]
                if obj is None:
                    if value is None:
                        continue
                    obj = self._objects[fqid] = {}
                if value is None:
                    obj.pop(field, None)
                else:
                    obj[field] = value
                for name in computed:
                    obj.setdefault(name, PENDING)
                touched.add(fqid)
            elif fqid in self._pending_updates:
                self._pending_updates[fqid][field] = value
        for fqid in touched:
            self._store.changed(fqid)
        self._store.shrink()

    def _overlay_set(self, fqid: str, field: str, value: Any) -> None:
        if value is None:
            fields = self._overlay.get(fqid)
            if fields is not None:
                fields.pop(field, None)
                if not fields:
                    del self._overlay[fqid]
        else:
            self._overlay.setdefault(fqid, {})[field] = value

    def reset(self) -> None:
        """Forget everything read from the datastore (``CACHE_RESET``); loads in flight are
        discarded. Calculated values stay: their sources keep them current."""
        self._store.clear()
        self._pending.clear()
        self._pending_updates.clear()

    def statistics(self) -> tuple[int, int]:
        """``(number of cached keys, number of cached objects)`` for metrics."""
        keys = sum(len(obj) for obj in self._objects.values() if obj)
        return keys, len(self._objects)

    def metrics(self) -> dict[str, int]:
        """What the cache costs and sheds, for the metrics route and log line."""
        store = self._store
        return {
            "datastore_cache_bytes": store.bytes,
            "datastore_cache_unused_bytes": store.idle_bytes,
            "datastore_cache_missing": store.absent,
            "datastore_cache_evictions": store.evictions,
        }


class _Hold:
    """The fqids one task's computation loaded; ``token`` counts its loads."""

    __slots__ = ("fqids", "token")

    def __init__(self) -> None:
        self.fqids: set[str] = set()
        self.token = 0


def _merged(obj: Object | None, updates: dict[str, Any]) -> Object | None:
    result = dict(obj or {})
    for field, value in updates.items():
        if value is None:
            result.pop(field, None)
        else:
            result[field] = value
    return result if result or obj is not None else None


def _collection_field(fqid: str, field: str) -> str:
    return f"{fqid[: fqid.find('/')]}/{field}"


def _by_collection(collection_fields: frozenset[str]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for collection_field in collection_fields:
        collection, _, field = collection_field.partition("/")
        grouped.setdefault(collection, []).append(field)
    return {collection: tuple(fields) for collection, fields in grouped.items()}
