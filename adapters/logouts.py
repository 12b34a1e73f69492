"""Sessions logged out recently, and the open requests that end when their session logs out
(spec §7.4).

Thousands of streams may wait at once, so there is no polling: one ``asyncio.Event`` per session
that somebody waits for, created on demand and dropped when its last waiter leaves.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

KEEP_SECONDS = 15 * 60
"""How long a logout is remembered; longer than an access token lives (10 minutes)."""


async def wait_forever() -> None:
    """Block until cancelled: the logout wait of a request that can not be logged out."""
    await asyncio.get_running_loop().create_future()


class _Waiters:
    __slots__ = ("count", "event")

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.count = 0


class LoggedOutSessions:
    """The logouts of the last ``KEEP_SECONDS``; old ones are dropped lazily on each use."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._logged_out: OrderedDict[str, float] = OrderedDict()  # session id -> time, oldest first
        self._waiters: dict[str, _Waiters] = {}

    def add(self, session_ids: Iterable[str]) -> None:
        """Record logouts and wake everybody waiting for them. The empty id is never logged out."""
        now = self._clock()
        self._prune(now)
        for session_id in session_ids:
            if not session_id:
                continue
            self._logged_out[session_id] = now
            self._logged_out.move_to_end(session_id)
            waiters = self._waiters.get(session_id)
            if waiters is not None:
                waiters.event.set()

    @property
    def waited_sessions(self) -> int:
        """How many sessions somebody waits for; drops to 0 when every waiter has left."""
        return len(self._waiters)

    def __contains__(self, session_id: str) -> bool:
        self._prune(self._clock())
        return session_id in self._logged_out

    async def wait(self, session_id: str) -> None:
        """Return once ``session_id`` is logged out (at once if it already is)."""
        if not session_id:
            await wait_forever()
        if session_id in self:
            return
        waiters = self._waiters.get(session_id)
        if waiters is None:
            waiters = self._waiters[session_id] = _Waiters()
        waiters.count += 1
        try:
            await waiters.event.wait()
        finally:
            waiters.count -= 1
            if not waiters.count:
                del self._waiters[session_id]

    def _prune(self, now: float) -> None:
        while self._logged_out:
            oldest, since = next(iter(self._logged_out.items()))
            if now - since < KEEP_SECONDS:
                return
            del self._logged_out[oldest]
