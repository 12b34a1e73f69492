"""The Datastore port on the OpenSlides Postgres datastore, through an asyncpg pool.

Current objects come from ``models``, one whole row per fqid, because the cache keeps whole
objects: one query answers a whole cache miss batch, whatever fields it needs. Objects at a
position are rebuilt from ``events`` with :func:`domain.events.replay` (spec A6), and history
information comes from ``positions`` joined with ``events`` (spec A7).

JSON is decoded by msgspec inside asyncpg's jsonb/json codec, so no text copy or ``json``
module sits on the hot path. The pool caches no statements (``statement_cache_size=0``), so it
also works behind PgBouncer, like upstream's simple-protocol mode. Every failure surfaces as a
:class:`ports.datastore.DatastoreError`; the pool replaces dead connections on the next call,
so the service recovers by itself when Postgres is back.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator, Sequence
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import asyncpg
import msgspec

from domain.events import replay
from ports.datastore import DatastoreError, HistoryEntry

CHUNK_SIZE: Final = 10_000
"""Most fqids per query: keeps one statement's array parameter and result set bounded."""

META_FIELDS: Final = ("meta_deleted", "meta_position")
"""Bookkeeping of the datastore writer in every ``models`` row; not fields of the object."""

CONNECT_TIMEOUT_SECONDS: Final = 10.0
COMMAND_TIMEOUT_SECONDS: Final = 60.0
"""A query that hangs (a Postgres that stopped answering) fails instead of holding requests."""
CLOSE_TIMEOUT_SECONDS: Final = 10.0

_CURRENT: Final = "SELECT fqid, data FROM models WHERE fqid = ANY($1::varchar[]) AND deleted = false"
_EVENTS: Final = (
    "SELECT fqid, type, data FROM events WHERE fqid = ANY($1::varchar[]) AND position <= $2 "
    "ORDER BY position, weight"
)
_NEWEST: Final = "SELECT max(position) FROM positions"
_HISTORY: Final = (
    "SELECT DISTINCT ON (position) position, timestamp, user_id, information "
    "FROM positions NATURAL JOIN events WHERE fqid = $1 AND information::text <> 'null' "
    "ORDER BY position"
)
_EVER_EXISTED: Final = "SELECT EXISTS (SELECT 1 FROM events WHERE fqid = $1)"

_FAILURES: Final = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)
"""What asyncpg raises when Postgres is unreachable, restarts, or refuses a query."""

_JSONB_VERSION: Final = b"\x01"
"""First byte of jsonb in binary format: the format version, then the JSON text."""


class PostgresDatastore:
    """Implements :class:`ports.datastore.Datastore`. Safe for concurrent calls on one event loop."""

    def __init__(
        self,
        *,
        user: str = "openslides",
        password: str | None = None,
        host: str = "localhost",
        port: int = 5432,
        database: str = "openslides",
        max_connections: int | None = None,
    ) -> None:
        """Remember where Postgres is; nothing connects until :meth:`open` or the first read.

        ``max_connections`` defaults to upstream's pool size, max(4, number of CPUs).
        """
        self._connect_args: dict[str, Any] = {
            "user": user,
            "password": password,
            "host": host,
            "port": port,
            "database": database,
        }
        self._max_connections = max_connections or max(4, os.cpu_count() or 1)
        self._pool: Any = None
        self._pool_lock = asyncio.Lock()

    @classmethod
    def from_dsn(cls, dsn: str, *, max_connections: int | None = None) -> PostgresDatastore:
        """From ``postgresql://user:password@host:port/database`` (tests, tools)."""
        parts = urlsplit(dsn)
        if parts.scheme not in ("postgres", "postgresql"):
            raise ValueError(f"not a postgres DSN: {dsn!r}")
        return cls(
            user=unquote(parts.username or "openslides"),
            password=None if parts.password is None else unquote(parts.password),
            host=parts.hostname or "localhost",
            port=parts.port or 5432,
            database=unquote(parts.path.lstrip("/")) or "openslides",
            max_connections=max_connections,
        )

    @property
    def address(self) -> str:
        """``host:port/database``, for messages and logs (never the password)."""
        args = self._connect_args
        return f"{args['host']}:{args['port']}/{args['database']}"

    async def open(self) -> None:
        """Connect now, so a wrong address shows at startup. Raises DatastoreError."""
        await self._get_pool()

    async def close(self) -> None:
        """Close every connection; a later read would open a new pool."""
        async with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            await asyncio.wait_for(pool.close(), CLOSE_TIMEOUT_SECONDS)
        except _FAILURES:
            pool.terminate()

    async def get_objects(
        self, fqids: Sequence[str], position: int | None = None
    ) -> dict[str, dict[str, Any] | None]:
        """Every requested fqid: its fields, or None. See :class:`ports.datastore.Datastore`."""
        result: dict[str, dict[str, Any] | None] = dict.fromkeys(fqids)
        if not result:
            return result
        pool = await self._get_pool()
        try:
            async with pool.acquire() as conn:
                for chunk in _chunks(list(result)):
                    if position is None:
                        for fqid, data in await conn.fetch(_CURRENT, chunk):
                            result[fqid] = _without_meta(data)
                    else:
                        result.update(_replayed(await conn.fetch(_EVENTS, chunk, position)))
        except _FAILURES as err:
            raise DatastoreError(f"reading objects from postgres at {self.address}: {err}") from err
        return result

    async def newest_position(self) -> int:
        """The newest position, 0 for an empty datastore."""
        newest = await self._fetchval(_NEWEST)
        return 0 if newest is None else int(newest)

    async def history_information(self, fqid: str) -> list[HistoryEntry] | None:
        """Positions touching ``fqid`` with information, ascending; None if it never existed."""
        pool = await self._get_pool()
        try:
            async with pool.acquire() as conn:
                rows = await conn.fetch(_HISTORY, fqid)
                if not rows and not await conn.fetchval(_EVER_EXISTED, fqid):
                    return None
        except _FAILURES as err:
            raise DatastoreError(f"reading history from postgres at {self.address}: {err}") from err
        return [
            HistoryEntry(
                position=row["position"],
                timestamp=0 if row["timestamp"] is None else int(row["timestamp"].timestamp()),
                user_id=row["user_id"],
                information=row["information"],
            )
            for row in rows
        ]

    async def _fetchval(self, query: str, *args: Any) -> Any:
        pool = await self._get_pool()
        try:
            return await pool.fetchval(query, *args)
        except _FAILURES as err:
            raise DatastoreError(f"querying postgres at {self.address}: {err}") from err

    async def _get_pool(self) -> Any:
        """The pool, created on first use. A failed creation is retried by the next call."""
        if self._pool is not None:
            return self._pool
        async with self._pool_lock:
            if self._pool is None:
                try:
                    self._pool = await asyncpg.create_pool(
                        **self._connect_args,
                        min_size=1,
                        max_size=self._max_connections,
                        statement_cache_size=0,
                        timeout=CONNECT_TIMEOUT_SECONDS,
                        command_timeout=COMMAND_TIMEOUT_SECONDS,
                        init=_set_json_codecs,
                    )
                except _FAILURES as err:
                    raise DatastoreError(f"connecting to postgres at {self.address}: {err}") from err
            return self._pool


async def _set_json_codecs(conn: Any) -> None:
    """Decode jsonb and json with msgspec straight from the binary wire format."""
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        format="binary",
        encoder=lambda value: _JSONB_VERSION + msgspec.json.encode(value),
        decoder=lambda data: msgspec.json.decode(memoryview(data)[1:]),
    )
    await conn.set_type_codec(
        "json",
        schema="pg_catalog",
        format="binary",
        encoder=msgspec.json.encode,
        decoder=msgspec.json.decode,
    )


def _chunks(fqids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(fqids), CHUNK_SIZE):
        yield fqids[start : start + CHUNK_SIZE]


def _without_meta(data: dict[str, Any]) -> dict[str, Any]:
    for name in META_FIELDS:
        data.pop(name, None)
    return data


def _replayed(rows: Sequence[Any]) -> dict[str, dict[str, Any] | None]:
    """The objects the event rows (ordered by position and weight) build up to."""
    events: dict[str, list[tuple[str, Any]]] = {}
    for fqid, kind, data in rows:
        events.setdefault(fqid, []).append((kind, data))
    try:
        return {fqid: replay(history) for fqid, history in events.items()}
    except (ValueError, TypeError, AttributeError) as err:
        raise DatastoreError(f"malformed events in postgres: {err}") from err
