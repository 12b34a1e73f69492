"""The message bus on Redis streams: the datastore writer's ``ModifiedFields`` and ``logout``.

Both streams are read with ``XREAD COUNT 10 BLOCK …`` from the last entry id seen (spec §6.4,
§7.4, §8.1). Unlike upstream, a failure never skips anything: the loop backs off and reads again
from the same id, so entries written while Redis was unreachable arrive once it is back. The
block time is short so a cancelled reader notices promptly and a half-dead connection fails
within a bounded time instead of hanging.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

MODIFIED_FIELDS_STREAM = "ModifiedFields"
LOGOUT_STREAM = "logout"
LOGOUT_LOOKBACK_MS = 15 * 60 * 1000
"""Logouts this old still matter: an access token lives shorter than that (spec A3, §7.4)."""
BATCH_SIZE = 10
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 5.0

logger = logging.getLogger("autoupdate.redis")

StreamId = str | bytes
Entry = tuple[bytes, dict[bytes, bytes]]
_T = TypeVar("_T")


class RedisBus:
    """Implements :class:`ports.messagebus.MessageBus` with redis-py's asyncio client."""

    def __init__(
        self,
        host: str = "localhost",
        port: int = 6379,
        *,
        client: Redis | None = None,
        block_ms: int = 1000,
    ) -> None:
        """Connect to ``host:port``, or use ``client`` (which must not decode responses; it
        stays the caller's to close). Retries are this class's job, so an own client has none."""
        self._block_ms = block_ms
        self._owns_client = client is None
        self._client = (
            client
            if client is not None
            else Redis(host=host, port=port, socket_timeout=block_ms / 1000 + 5, retry=Retry(NoBackoff(), 0))
        )

    async def changes(self) -> AsyncIterator[dict[str, bytes]]:
        """One merged dict per ``XREAD`` reply: field name → value bytes as stored, later
        entries overriding earlier ones. Starts after the stream's last entry at the moment
        the iteration starts, so nothing older is replayed and nothing newer is lost."""
        start = await self._retrying("finding the end of ModifiedFields", self._last_id)
        async for entries in self._read(MODIFIED_FIELDS_STREAM, start):
            merged: dict[str, bytes] = {}
            for _, fields in entries:
                for name, value in fields.items():
                    merged[name.decode(errors="replace")] = value
            yield merged

    async def logouts(self) -> AsyncIterator[list[str]]:
        """The ``sessionId`` values of each ``XREAD`` reply, from 15 minutes ago on."""
        start = f"{time.time_ns() // 1_000_000 - LOGOUT_LOOKBACK_MS}-0"
        async for entries in self._read(LOGOUT_STREAM, start):
            sessions = [
                value.decode(errors="replace")
                for _, fields in entries
                for name, value in fields.items()
                if name == b"sessionId"
            ]
            if sessions:
                yield sessions

    async def close(self) -> None:
        """Close the connections, if this bus opened them."""
        if self._owns_client:
            await self._client.aclose()

    async def _last_id(self) -> StreamId:
        """The id of the newest entry of ``ModifiedFields`` (``0-0`` if there is none):
        what ``$`` means now, fixed so that a reconnect does not move it forward."""
        newest = await self._client.xrevrange(MODIFIED_FIELDS_STREAM, count=1)
        return (newest[0][0] if newest else None) or "0-0"

    async def _read(self, stream: str, last_id: StreamId) -> AsyncIterator[list[Entry]]:
        """Endless non-empty batches of entries after ``last_id``."""
        while True:
            reply = await self._retrying(
                f"reading {stream}",
                partial(self._client.xread, {stream: last_id}, count=BATCH_SIZE, block=self._block_ms),
            )
            entries = _entries(reply)
            if entries:
                last_id = entries[-1][0]
                yield entries

    async def _retrying(self, what: str, call: Callable[[], Awaitable[_T]]) -> _T:
        """``call()`` until it succeeds, backing off from 0.5 s doubling to 5 s."""
        delay = FIRST_BACKOFF_SECONDS
        failed = False
        while True:
            try:
                result = await call()
            except (RedisError, OSError) as err:
                logger.warning("redis: %s failed, retrying in %.1f s: %s", what, delay, err)
                failed = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)
                continue
            if failed:
                logger.info("redis: %s works again", what)
            return result


def _entries(reply: Any) -> list[Entry]:
    """The entries of a one-stream ``XREAD`` reply, in any shape redis-py returns: RESP2
    ``[[stream, entries]]``, RESP3 ``{stream: entries}`` or ``{stream: [entries]}``."""
    if not reply:
        return []
    entries = next(iter(reply.values())) if isinstance(reply, dict) else reply[0][1]
    if entries and isinstance(entries[0], list):
        entries = entries[0]
    return entries  # type: ignore[no-any-return]
