"""Measure N instances behind HAProxy on this machine (docs/scaling.md): not a test.

``python -m tests.bench.scale_out --instances 2 -- DRIVER ...`` starts Postgres (with
``pg_stat_statements``) and Redis from the local binaries, N production instances as the
integration tests start them, and HAProxy with the repository's configuration plus one plain
HTTP/1.1 frontend for the load drivers (they do not speak TLS). Then it runs the driver command,
with ``{url}`` (the proxy), ``{database_url}``, ``{redis_url}`` and ``{pid}`` (the first
instance) filled in, e.g. ``python -m simulator bench b2 --url {url} --database-url
{database_url} --redis-url {redis_url} --service-pid {pid} --connections 1000``, and reports
what the instances cost around it:

* Postgres: calls and rows of the datastore's queries (``pg_stat_statements``), during the
  driver's run and for one cold instance answering its first users (``--cold-users``);
* Redis: commands by name (``INFO commandstats``) during the run, so reads per write;
* each instance's CPU seconds during the run and its memory at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime
import json
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import redis

from adapters.postgres_writer import WriteEvent, write
from simulator.bench import proc
from simulator.bench.writes import create_events
from simulator.generate import generate_meeting
from simulator.requests import meeting_request
from simulator.tokens import DEV_COOKIE_KEY, DEV_TOKEN_KEY, mint
from tests.integration.deployment import Deployment, Instance, headers_of
from tests.integration.proxy import Proxy
from tests.integration.servers import PostgresServer, RedisServer, free_port, start_postgres, start_redis

QUERIES = """SELECT query, calls, rows FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
AND query NOT LIKE '%pg_stat_statements%'"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.scale_out", description=__doc__)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="AUTOUPDATE_WORKERS of each instance")
    parser.add_argument("--cold-users", type=int, default=50, help="distinct users asking a cold instance")
    parser.add_argument(
        "--load-meeting",
        action="store_true",
        help="write the generated meeting (bench defaults) first, for drivers that do not (load)",
    )
    parser.add_argument("driver", nargs=argparse.REMAINDER, help="-- then the driver's command line")
    args = parser.parse_args(argv)
    driver = args.driver[1:] if args.driver[:1] == ["--"] else args.driver
    if not driver or args.instances < 1:
        parser.error("give --instances >= 1 and a driver command after --")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop every server on the way out
    with (
        tempfile.TemporaryDirectory(prefix="autoupdate-scale-") as directory,
        cluster(Path(directory), args) as c,
    ):
        if args.load_meeting:
            asyncio.run(load_meeting(c.postgres))
        report = c.measure(driver)
        report["cold start"] = c.cold_start(args.cold_users)
    print(json.dumps(report, indent=2))
    return 0


@dataclasses.dataclass
class Cluster:
    postgres: PostgresServer
    redis: RedisServer
    instances: list[Instance]
    proxy: Proxy
    bench_port: int

    def measure(self, driver: list[str]) -> dict[str, Any]:
        fill = {
            "url": f"http://127.0.0.1:{self.bench_port}",
            "database_url": self.postgres.dsn,
            "redis_url": self.redis.url,
            "pid": str(self.instances[0].process.pid if self.instances[0].process else 0),
        }
        command = [part.format(**fill) for part in driver]
        queries, commands = statements(self.postgres), redis_commands(self.redis)
        cpu = {i.name: proc.cpu_seconds(pid(i)) for i in self.instances}
        started = datetime.datetime.now(datetime.UTC)
        print(f"[scale-out] {' '.join(command)}", file=sys.stderr, flush=True)
        done = subprocess.run(command, check=False)
        return {
            "date": started.strftime("%Y-%m-%d %H:%M UTC"),
            "machine": proc.machine(),
            "instances": len(self.instances),
            "driver": " ".join(driver),
            "driver exit status": done.returncode,
            "postgres during the run": delta(queries, statements(self.postgres)),
            "redis commands during the run": delta(commands, redis_commands(self.redis)),
            "instance CPU seconds during the run": {
                i.name: round(proc.cpu_seconds(pid(i)) - cpu[i.name], 1) for i in self.instances
            },
            "instance RSS MiB at the end": {i.name: proc.rss_bytes(pid(i)) >> 20 for i in self.instances},
        }

    def cold_start(self, users: int) -> dict[str, Any]:
        """Restart the first instance (empty cache) and let ``users`` distinct meeting users ask
        it for the meeting request, then as many again: the queries of a cold instance and the
        extra ones per further user."""
        instance = self.instances[0]
        instance.stop()
        instance.start()
        ids = asyncio.run(meeting_users(self.postgres))
        result = {}
        for label, chosen in (("first users", ids[:users]), ("next users", ids[users : 2 * users])):
            before = statements(self.postgres)
            with httpx.Client(timeout=120) as http:
                for user in chosen:
                    response = http.post(
                        f"{instance.url}/system/autoupdate?single",
                        content=meeting_request(),
                        headers=headers_of(mint(user)),
                    )
                    response.raise_for_status()
            result[f"{label} ({len(chosen)})"] = delta(before, statements(self.postgres))
        return result


def pid(instance: Instance) -> int:
    assert instance.process is not None
    return instance.process.pid


@contextlib.contextmanager
def cluster(directory: Path, args: argparse.Namespace) -> Iterator[Cluster]:
    with contextlib.ExitStack() as stack:
        postgres = start_postgres(False)
        stack.callback(postgres.close)
        postgres.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        postgres.stop()
        postgres.start()
        postgres.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        redis_server = start_redis(False)
        stack.callback(redis_server.close)
        secrets, logs = directory / "secrets", directory / "logs"
        secrets.mkdir()
        logs.mkdir()
        (secrets / "postgres_password").write_text(postgres.password)
        (secrets / "auth_token_key").write_text(DEV_TOKEN_KEY)
        (secrets / "auth_cookie_key").write_text(DEV_COOKIE_KEY)
        deployment = Deployment(postgres, redis_server, secrets, logs, free_port(), free_port())
        instances = []
        for number in range(1, args.instances + 1):
            instance = Instance(f"instance{number}", deployment)
            instance.environment["AUTOUPDATE_WORKERS"] = str(args.workers)
            instance.environment["METRIC_INTERVAL"] = "0"
            instance.environment["METRIC_SAVE_INTERVAL"] = "5m"  # the default, not the tests' 1 s
            instance.environment["OPENSLIDES_HEARTBEAT_INTERVAL"] = "20s"
            instance.start()
            stack.callback(instance.stop)
            instances.append(instance)
        proxy_dir = directory / "proxy"
        proxy_dir.mkdir()
        proxy = Proxy(proxy_dir, {i.name: i.port for i in instances})
        bench_port = free_port()
        extra = proxy_dir / "bench.cfg"
        extra.write_text(f"frontend bench\n    bind 127.0.0.1:{bench_port}\n    default_backend autoupdate\n")
        proxy.command += ["-f", str(extra)]
        proxy.start()
        stack.callback(proxy.stop)
        proxy.wait_for_states({i.name: "UP" for i in instances})
        yield Cluster(postgres, redis_server, instances, proxy, bench_port)


def statements(postgres: PostgresServer) -> dict[str, tuple[int, int]]:
    """Datastore query text → (calls, rows)."""

    async def read() -> dict[str, tuple[int, int]]:
        conn = await asyncpg.connect(postgres.dsn)
        try:
            rows = await conn.fetch(QUERIES)
        finally:
            await conn.close()
        found: dict[str, tuple[int, int]] = {}
        for row in rows:
            calls, count = found.get(row["query"], (0, 0))
            found[row["query"]] = (calls + row["calls"], count + row["rows"])
        return found

    return asyncio.run(read())


def redis_commands(server: RedisServer) -> dict[str, tuple[int, int]]:
    """Command name → (calls, 0)."""
    with redis.Redis(host=server.host, port=server.port) as client:
        stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): (int(value["calls"]), 0) for name, value in stats.items()}


def delta(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """What grew between two readings: ``{statement: {"calls": n, "rows": n}}``."""
    grown = {}
    for key, (calls, rows) in after.items():
        old_calls, old_rows = before.get(key, (0, 0))
        if calls > old_calls:
            grown[" ".join(key.split())[:110]] = {"calls": calls - old_calls, "rows": rows - old_rows}
    return grown


async def load_meeting(postgres: PostgresServer) -> None:
    """The benchmark's generated meeting (its default sizes), as one position."""
    conn = await asyncpg.connect(postgres.dsn)
    try:
        changes = create_events(generate_meeting())
        await write(conn, [WriteEvent(c.type, c.fqid, c.fields) for c in changes], information=None)
    finally:
        await conn.close()


async def meeting_users(postgres: PostgresServer) -> list[int]:
    conn = await asyncpg.connect(postgres.dsn)
    try:
        rows = await conn.fetch(
            "SELECT (data->>'user_id')::int AS id FROM models WHERE fqid LIKE 'meeting_user/%' "
            "AND NOT deleted ORDER BY 1"
        )
    finally:
        await conn.close()
    return [row["id"] for row in rows]


if __name__ == "__main__":
    raise SystemExit(main())
