"""``python -m adapters.load_export EXPORT.json``: fill a datastore with an OpenSlides export.

A new datastore (the one ``compose.yaml`` starts, say) is empty, and the autoupdate service only
reads. This writes an export as the datastore writer writes OpenSlides' initial import: one new
position whose events create every object, with the ``models`` rows and the id sequences
(``adapters.postgres_writer``), then the ``ModifiedFields`` entry on Redis, so that running
instances see the data at once. It connects with the service's own variables (``DATABASE_*``
with the password file, ``MESSAGE_BUS_*``), so in Compose it runs in the service's container;
``--database-url`` and ``--redis-url`` name other servers.

The export is checked as ``python -m simulator --data`` checks it (``simulator.export``): this
module is an entry point, like ``adapters/server.py``, so it may use both sides.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import redis.asyncio as redis

from adapters.config import Config, ConfigError, load_config
from adapters.postgres_writer import WriteEvent, write
from simulator.export import Export, read_export


class LoadError(Exception):
    """Why nothing (or not everything) was done, in words for the command line."""


def export_events(export: Export) -> list[WriteEvent]:
    """One create event per object of ``export`` (keys starting with ``_`` are bookkeeping)."""
    return [
        WriteEvent("create", f"{collection}/{raw_id}", fields)
        for collection, objects in export.items()
        if not collection.startswith("_")
        for raw_id, fields in objects.items()
    ]


def import_information(export: Export) -> dict[str, list[str]]:
    """The position's information, as the history shows it: every meeting was imported."""
    return {f"meeting/{raw_id}": ["Meeting imported"] for raw_id in export.get("meeting", {})}


async def load(conn: Any, export: Export) -> tuple[int, dict[str, str]]:
    """Write ``export`` as one position; return it and its ``ModifiedFields`` entry.

    Raises ValueError (nothing written) if an object of the export exists already."""
    events = export_events(export)
    if not events:
        raise ValueError("the export holds no objects")
    return await write(conn, events, information=import_information(export))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        export = read_export(args.export)
        connect = _connections(args)
        position, announced = asyncio.run(_load(export, *connect))
    except (ValueError, LoadError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1 if isinstance(error, LoadError) else 2
    counts = Counter(event.fqid.partition("/")[0] for event in export_events(export))
    objects = f"{sum(counts.values())} objects in {len(counts)} collections"
    print(f"loaded {args.export}: {objects} as position {position}")
    print(f"announced {announced} changed keys on ModifiedFields")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.load_export",
        description="Load an OpenSlides export into the datastore as the datastore writer would, and "
        "announce it on Redis. Connects with the service's variables (DATABASE_HOST, DATABASE_PORT, "
        "DATABASE_USER, DATABASE_NAME, DATABASE_PASSWORD_FILE, MESSAGE_BUS_HOST, MESSAGE_BUS_PORT) "
        "unless given URLs.",
    )
    parser.add_argument("export", type=Path, help="the export JSON (e.g. python -m simulator generate -o …)")
    parser.add_argument("--database-url", help="postgresql://user:password@host:port/database")
    parser.add_argument("--redis-url", help="redis://host:port/0")
    return parser


def _connections(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """asyncpg's connection arguments and a description of the datastore, plus Redis's URL."""
    config: Config | None = None
    if args.database_url is None or args.redis_url is None:
        # The loader needs no auth keys: AUTH_FAKE skips reading them.
        config = load_config({**os.environ, "AUTH_FAKE": "true"})
    if args.database_url is not None:
        database: dict[str, Any] = {"dsn": args.database_url}
    else:
        assert config is not None
        database = {
            "user": config.database_user,
            "password": config.database_password(),
            "host": config.database_host,
            "port": config.database_port,
            "database": config.database_name,
        }
    if args.redis_url is not None:
        return database, args.redis_url
    assert config is not None
    return database, f"redis://{config.message_bus_host}:{config.message_bus_port}/0"


async def _load(export: Export, database: dict[str, Any], redis_url: str) -> tuple[int, int]:
    """Write, then announce; the position and the number of announced keys."""
    where = database.get("dsn") or "{user}@{host}:{port}/{database}".format(**database)
    try:
        conn = await asyncpg.connect(**database, timeout=10)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        raise LoadError(f"can not connect to the datastore {_hide_password(where)}: {error}") from None
    try:
        position, modified = await load(conn, export)
    except asyncpg.UndefinedTableError as error:
        raise LoadError(f"{error}: create the tables first (adapters/datastore_schema.sql)") from None
    except ValueError as error:
        raise LoadError(f"nothing loaded: {error}") from None
    finally:
        await conn.close()
    client = redis.Redis.from_url(redis_url)
    try:
        await client.xadd("ModifiedFields", modified)  # type: ignore[arg-type]
    except redis.RedisError as error:
        raise LoadError(
            f"loaded as position {position}, but could not announce it on {redis_url}: {error}; "
            "restart running autoupdate instances so that they read the new data"
        ) from None
    finally:
        await client.aclose()
    return position, len(modified)


def _hide_password(dsn: str) -> str:
    scheme, sep, rest = dsn.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not (sep and at):
        return dsn
    return f"{scheme}://{credentials.partition(':')[0]}@{host}"


if __name__ == "__main__":
    raise SystemExit(main())
