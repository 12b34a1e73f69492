"""Connection counts shared between service instances through Redis hashes (spec §8.2).

Each instance writes its own counts under its instance name, with the time of writing; a reader
sums the counts of every instance that wrote recently enough, so instances that died drop out
after ``max_age`` without anyone deleting their entries (upstream never deletes them either).
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Callable
from datetime import UTC, datetime

import msgspec
from redis.asyncio import Redis

_ALPHABET = string.ascii_letters + string.digits
_counts_decoder = msgspec.json.Decoder(dict[int, int])


def instance_name() -> str:
    """``<UTC start YYYY-MM-DDTHH:MM:SS>-<8 random [a-zA-Z0-9]>``, made once per process."""
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{started}-{''.join(secrets.choice(_ALPHABET) for _ in range(8))}"


class RedisConnectionCounts:
    """Implements :class:`ports.counts.ConnectionCountStore` with redis-py's asyncio client.

    The client stays the caller's: it may be shared, and the caller closes it.
    """

    def __init__(self, client: Redis, *, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._clock = clock

    async def save(self, name: str, instance: str, counts: dict[int, int]) -> None:
        """``HSET metric-<name>-values`` with the JSON of ``counts`` (keys sorted as Go sorts
        them), then ``HSET metric-<name>-timestamp`` with the unix time in seconds."""
        value = msgspec.json.encode({str(uid): count for uid, count in counts.items()}, order="sorted")
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hset(f"metric-{name}-values", instance, value)
            pipe.hset(f"metric-{name}-timestamp", instance, int(self._clock()))
            await pipe.execute()

    async def load(self, name: str, max_age_seconds: float) -> dict[int, int]:
        """Per-uid sum over the instances whose timestamp is ``>= now - max_age_seconds``.

        Raises ``RedisError``/``OSError`` if redis fails, ``msgspec.DecodeError`` or
        ``ValueError`` for an entry that is not what ``save`` writes.
        """
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hgetall(f"metric-{name}-values")
            pipe.hgetall(f"metric-{name}-timestamp")
            values, timestamps = await pipe.execute()
        oldest = self._clock() - max_age_seconds
        total: dict[int, int] = {}
        for instance, raw in values.items():
            stamp = timestamps.get(instance)
            if stamp is None or int(stamp) < oldest or not raw:
                continue
            for uid, count in _counts_decoder.decode(raw).items():
                total[uid] = total.get(uid, 0) + count
        return total
