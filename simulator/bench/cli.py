"""``python -m simulator bench b1|b2|b3|b4|all …``: run the benchmark scenarios.

An entry point (like ``simulator/__main__.py``), so it is where the production adapters join
in: the datastore writer (``adapters.postgres_writer``) loads the generated meeting into
Postgres and performs B2's writes, and ``adapters/datastore_schema.sql`` creates the tables of
a Postgres started here. The service under test is either given by URL (``--url``, plus
``--database-url`` and ``--redis-url`` for B2 and ``--service-pid`` for CPU and memory) or
started from local binaries (``--start-servers``) and stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shlex
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import asyncpg

from adapters import load_export, postgres_writer
from simulator.bench.driver import Endpoint, progress
from simulator.bench.fanout import b2, b3, open_streams
from simulator.bench.measure import BenchError, Target, Writer
from simulator.bench.report import Result, code_version, record
from simulator.bench.scenarios import b1, b4
from simulator.bench.servers import LocalServers
from simulator.bench.writes import Change, Meeting
from simulator.generate import add_meeting_options, generate_meeting, meeting_arguments
from simulator.local_servers import ServerError

SCHEMA = Path(postgres_writer.__file__).with_name("datastore_schema.sql")
SCENARIOS = ("b1", "b2", "b3", "b4")
DEFAULT_WORKERS = 1
SPARE_FILES = 200
"""Open files besides the streams: Postgres and Redis connections, the checks, the logs."""


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(arguments)
    chosen = set(SCENARIOS) if args.scenario == "all" else {args.scenario}
    try:
        connections = [int(c) for c in args.connections.split(",") if c.strip()]
    except ValueError:
        connections = [0]
    if min(connections, default=0) < 1:
        print(f"error: --connections {args.connections!r}: comma-separated counts", file=sys.stderr)
        return 2
    over_http = chosen - {"b4"}
    if over_http and not args.start_servers and args.url is None:
        print("error: b1, b2 and b3 need --url or --start-servers", file=sys.stderr)
        return 2
    if chosen & {"b2"} and not args.start_servers and not (args.database_url and args.redis_url):
        print("error: b2 needs --database-url and --redis-url (or --start-servers)", file=sys.stderr)
        return 2
    if args.permission_at is not None and args.permission_at > args.writes:
        print(
            f"error: --permission-at {args.permission_at}: there are only {args.writes} writes (--writes)",
            file=sys.stderr,
        )
        return 2
    if args.workers is not None and not args.start_servers:
        print("error: --workers sets the service started here: it needs --start-servers", file=sys.stderr)
        return 2
    limit = _raise_open_files_limit()
    if max(connections) + SPARE_FILES > limit:
        print(
            f"error: --connections {max(connections)} needs {max(connections) + SPARE_FILES} open files "
            f"and the hard limit is {limit} (raise it, e.g. ulimit -Hn, or open fewer streams)",
            file=sys.stderr,
        )
        return 2
    signal.signal(signal.SIGTERM, _interrupt)  # stop the servers started here on SIGTERM too
    progress("generating the meeting")
    try:
        export = generate_meeting(**meeting_arguments(args))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    results: list[Result] = []
    servers: LocalServers | None = None
    version = code_version()  # the code the run starts, whatever is committed meanwhile
    try:
        if "b4" in chosen:
            results.append(_show(asyncio.run(b4(export, repeat=args.repeat))))
        if over_http:
            if args.start_servers:
                progress("starting Postgres and Redis")
                servers = LocalServers(SCHEMA.read_text())
                assert servers.postgres is not None and servers.redis is not None
                args.database_url, args.redis_url = servers.postgres.url, servers.redis.url
            if args.database_url:
                asyncio.run(_load(args.database_url, export))
            if servers is not None:
                progress(f"starting the service ({_workers(args)} Granian workers)")
                args.url = servers.start_service(workers=_workers(args), streams=max(connections)).url
            results += asyncio.run(_over_http(args, chosen, connections, export, servers))
    except (BenchError, ServerError, OSError, TimeoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        if servers is not None and servers.service is not None:
            print(f"service log (tail):\n{servers.service.log_tail()}", file=sys.stderr)
        return 1
    finally:
        if servers is not None:
            servers.close()
    if args.record is not None:
        command = "python -m simulator bench " + shlex.join(arguments)
        record(args.record, results, command, version, service=_service(args, started=servers is not None))
        progress(f"recorded in {args.record}")
    failures = sum(result.failures for result in results)
    if failures:
        print(f"error: {failures} correctness failures (see the mismatches above)", file=sys.stderr)
    return 1 if failures else 0


async def _over_http(
    args: argparse.Namespace,
    chosen: set[str],
    connections: list[int],
    export: dict[str, object],
    servers: LocalServers | None,
) -> list[Result]:
    meeting = (
        await Meeting.from_database(args.database_url) if args.database_url else Meeting.from_export(export)
    )
    target = Target(Endpoint.parse(args.url), meeting, redis_url=args.redis_url)
    if servers is not None and servers.service is not None:
        service = servers.service
        target.pid, target.restart = lambda: service.pid, service.restart
    elif args.service_pid is not None:
        pid: int = args.service_pid
        target.pid = lambda: pid
    pool = await asyncpg.create_pool(args.database_url, min_size=1, max_size=2) if args.database_url else None
    if pool is not None:
        target.write = _writer(pool)
    results: list[Result] = []
    try:
        if "b1" in chosen:
            results.append(_show(await b1(target, cold_runs=args.cold_runs, repeat=args.repeat)))
        for count in connections if chosen & {"b2", "b3"} else []:
            opened = await open_streams(target, count, batch=args.open_batch, check=args.check_streams)
            results.append(_show(b3(opened, count)))
            if "b2" in chosen:
                measured = await b2(
                    target,
                    opened,
                    count,
                    args.writes,
                    permission_at=args.permission_at,
                    interval=args.write_interval,
                )
                results += [_show(result) for result in measured]
            else:
                await opened.close()
    finally:
        if pool is not None:
            await pool.close()
    return results


def _writer(pool: asyncpg.Pool) -> Writer:
    async def write(changes: Sequence[Change]) -> dict[str, str]:
        events = [postgres_writer.WriteEvent(c.type, c.fqid, c.fields, c.list_fields) for c in changes]
        _, modified = await postgres_writer.write(pool, events, information={"bench": "write"})
        return modified

    return write


async def _load(url: str, export: dict[str, object]) -> None:
    """An empty datastore gets the generated meeting as one position; one with data is kept
    as it is (the benchmark then runs on that data)."""
    conn = await asyncpg.connect(url)
    try:
        if await conn.fetchval("SELECT count(*) FROM models"):
            progress("the datastore has data: using it as it is")
            return
        progress("loading the meeting into Postgres")
        await load_export.load(conn, export)
    finally:
        await conn.close()


def _show(result: Result) -> Result:
    print(result.markdown(), flush=True)
    return result


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _raise_open_files_limit() -> int | float:
    """Thousands of streams need thousands of sockets, here and in the service, Postgres and
    Redis started here (they inherit the limit): the soft limit is raised to the hard one,
    which is returned."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return float("inf") if hard == resource.RLIM_INFINITY else hard


def _service(args: argparse.Namespace, *, started: bool) -> str:
    """The service under test, for the record's header."""
    if started:
        return f"started here, {_workers(args)} Granian workers (AUTOUPDATE_WORKERS)"
    return str(args.url) if args.url else "none (in-process scenarios only)"


def _workers(args: argparse.Namespace) -> int:
    return DEFAULT_WORKERS if args.workers is None else int(args.workers)


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value

    return parse


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a number of seconds, at least 0")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator bench",
        description="Run the benchmark scenarios B1-B4 (docs/benchmarks.md explains them).",
    )
    parser.add_argument("scenario", choices=[*SCENARIOS, "all"])
    add_meeting_options(parser.add_argument_group("the generated meeting"))
    runs = parser.add_argument_group("the runs")
    runs.add_argument("--connections", default="100,1000", help="B2/B3 stream counts (default: 100,1000)")
    runs.add_argument("--writes", type=_at_least(1), default=30, help="B2 writes per run (default: 30)")
    runs.add_argument(
        "--permission-at",
        type=_at_least(1),
        metavar="K",
        help="B2: the permission change is write number K (default: the middle, 15 of 30)",
    )
    runs.add_argument(
        "--write-interval",
        type=_seconds,
        default=1.0,
        metavar="SECONDS",
        help="B2: a write is sent every SECONDS, not waiting for the previous one's delivery (default: 1)",
    )
    runs.add_argument(
        "--check-streams",
        type=_at_least(1),
        metavar="N",
        help="B2: compare N streams (spread evenly) with a fresh ?single at the end (default: all)",
    )
    runs.add_argument(
        "--open-batch",
        type=_at_least(1),
        default=1000,
        help="B2/B3: streams are opened in batches of this many connections (default: 1000)",
    )
    runs.add_argument(
        "--repeat", type=_at_least(1), default=10, help="B1 warm and B4 requests per role (default: 10)"
    )
    runs.add_argument(
        "--cold-runs", type=_at_least(0), default=3, help="B1 fresh processes per role (default: 3)"
    )
    service = parser.add_argument_group("the service under test")
    service.add_argument("--start-servers", action="store_true", help="start Postgres, Redis and the service")
    service.add_argument(
        "--workers",
        type=_at_least(1),
        help=f"Granian workers of the service started here (AUTOUPDATE_WORKERS; default: {DEFAULT_WORKERS})",
    )
    service.add_argument("--url", help="base URL of a running service, e.g. http://localhost:9012")
    service.add_argument("--database-url", help="its Postgres datastore, postgresql://user:pw@host:port/db")
    service.add_argument("--redis-url", help="its Redis message bus, redis://host:port/0")
    service.add_argument("--service-pid", type=int, help="its process id, for CPU and memory figures")
    parser.add_argument(
        "--record", type=Path, help="append the figures to this file, e.g. docs/benchmarks.md"
    )
    return parser
