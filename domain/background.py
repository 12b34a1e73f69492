"""Work that outlives the request that started it, in one task group its owner runs.

The engine's rounds, idle timers and auditor run here, not as detached tasks: the composition
root starts the owner once (``async with engine.running()``), so nothing runs before it starts
or after it stops, and ``idle`` can wait for every awaited task. A task that fails is logged
and ends alone: it never cancels its siblings.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from anyio.abc import TaskGroup

log = logging.getLogger("autoupdate.background")


class NotRunning(RuntimeError):
    """Work was started before ``running`` (a composition root forgot to start its owner)."""


class Background:
    """A task group with a count of the tasks ``idle`` waits for, and a scope per task."""

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._tasks: TaskGroup | None = None
        self._scopes: set[anyio.CancelScope] = set()
        self._awaited = 0
        self._quiet: anyio.Event | None = None

    @property
    def active(self) -> bool:
        """Inside ``running``: work can start."""
        return self._tasks is not None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the tasks started in the body; they are cancelled when it ends."""
        if self._tasks is not None:
            raise RuntimeError(f"{self._owner} is already running")
        async with anyio.create_task_group() as tasks:
            self._tasks = tasks
            try:
                yield
            finally:
                self._tasks = None
                tasks.cancel_scope.cancel()

    def spawn(
        self, work: Callable[..., Awaitable[None]], *args: Any, awaited: bool = True
    ) -> anyio.CancelScope:
        """Run ``work(*args)`` in the background; the returned scope cancels it. ``awaited``:
        ``idle`` waits for it (not so for timers)."""
        if self._tasks is None:
            raise NotRunning(f"{self._owner} is not running (its composition root starts it: `running()`)")
        scope = anyio.CancelScope()
        self._scopes.add(scope)
        if awaited:
            self._awaited += 1
        self._tasks.start_soon(self._run, scope, awaited, work, args)
        return scope

    async def _run(
        self,
        scope: anyio.CancelScope,
        awaited: bool,
        work: Callable[..., Awaitable[None]],
        args: tuple[Any, ...],
    ) -> None:
        try:
            with scope:
                await work(*args)
        except Exception:
            log.exception("background work of %s failed", self._owner)
        finally:
            self._scopes.discard(scope)
            if awaited:
                self._awaited -= 1
                if not self._awaited and self._quiet is not None:
                    self._quiet.set()
                    self._quiet = None

    async def idle(self) -> None:
        """Wait until no awaited task runs (tasks they start included)."""
        while self._awaited:
            if self._quiet is None:
                self._quiet = anyio.Event()
            await self._quiet.wait()

    async def cancel(self) -> None:
        """Cancel every task running now and wait for the awaited ones to end."""
        for scope in list(self._scopes):
            scope.cancel()
        await self.idle()
