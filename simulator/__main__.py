"""``python -m simulator``: the whole service offline, plus its tools.

Subcommands: ``serve`` (default) runs the real HTTP app under Granian over an in-memory datastore
and a fake Redis reachable over TCP; ``token`` prints development credentials; ``write`` sends a
change the way the datastore writer announces it; ``explain`` asks a running service why a key is
(not) visible for a user; ``generate`` writes a generated meeting; ``bench``, ``load`` and
``hostile`` measure a running service.

This module is an entry point, so it is the one place where simulator parts and production
adapters are wired together.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import msgspec

from simulator.tokens import ACCESS_LIFETIME_SECONDS, COOKIE_LIFETIME_SECONDS, mint

OPTIONS_VARIABLE = "AUTOUPDATE_SIMULATOR_OPTIONS"
log = logging.getLogger("autoupdate.simulator")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "serve"
    if command == "token":
        return _token(args)
    if command == "write":
        return _write(args)
    if command == "explain":
        return _explain(args)
    if command == "generate":
        from simulator import generate

        return generate.main(args.rest)
    if command == "bench":
        from simulator.bench import cli

        return cli.main(args.rest)
    if command == "load":
        from simulator import load

        return load.main(args.rest)
    if command == "verify":
        from simulator.verify import cli as verify

        return verify.main(args.rest)
    if command == "hostile":
        from simulator import hostile

        return hostile.main(args.rest)
    return _serve(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="run the service on simulated data (default)")
    _serve_options(serve)
    _serve_options(parser)
    token = commands.add_parser("token", help="print development credentials for a user")
    token.add_argument("user_id", type=int)
    token.add_argument("--session", default=None, help="session id (default: random)")
    token.add_argument(
        "--lifetime",
        type=_seconds,
        default=ACCESS_LIFETIME_SECONDS,
        help=f"seconds the access token is valid (default {ACCESS_LIFETIME_SECONDS}; 0: expired at once)",
    )
    write = commands.add_parser("write", help="XADD a change to ModifiedFields, as the datastore writer does")
    write.add_argument("changes", nargs="+", metavar="KEY=JSON", help="e.g. motion/1/title='\"New\"'")
    write.add_argument(
        "--redis", type=_host_port, default="localhost:6379", help="HOST:PORT of the (fake) Redis"
    )
    explain = commands.add_parser("explain", help="print why a key is (not) visible for a user")
    explain.add_argument("user_id", type=int)
    explain.add_argument("key", help="collection/id/field")
    explain.add_argument("--url", default="http://localhost:9012", help="the running service")
    # Each of these parses its own options: everything after its name goes to it unparsed.
    _passthrough(commands, "generate", "write a generated meeting as an export JSON (generate --help)")
    _passthrough(commands, "bench", "run the benchmark scenarios B1-B4 (bench --help)")
    _passthrough(commands, "load", "hold many streams with writes; report latency and memory (load --help)")
    _passthrough(commands, "verify", "check that open streams always equal a fresh request (verify --help)")
    _passthrough(
        commands, "hostile", "send the memory attack of docs/reliability.md; report cache and memory"
    )
    return parser


def _passthrough(commands: Any, name: str, help: str) -> None:
    """A subcommand whose arguments all go to its own parser ("+" is its only option prefix,
    so no "--option" is taken here, "--help" included)."""
    command = commands.add_parser(name, help=help, add_help=False, prefix_chars="+")
    command.add_argument("rest", nargs=argparse.REMAINDER)


def _seconds(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more)")
    return int(text)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return port


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT")
    return host or "localhost", _port(port)


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=9012, help="HTTP port (default 9012)")
    parser.add_argument("--redis-port", type=_port, default=6379, help="fake Redis port (default 6379)")
    parser.add_argument("--data", type=Path, help="serve an OpenSlides export JSON instead of generated data")
    parser.add_argument("--participants", type=int, default=200, help="generated participants (default 200)")
    parser.add_argument("--motions", type=int, default=40, help="generated motions (default 40)")
    parser.add_argument("--agenda-items", type=int, default=20, help="generated agenda items (default 20)")
    parser.add_argument("--polls", type=int, default=6, help="generated polls (default 6)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--auth", action="store_true", help="check tokens; default: no credentials = user 1")
    parser.add_argument(
        "--unrestricted", action="store_true", help="skip all permission checks (development only)"
    )


# -- serve ----------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    from fakeredis import TcpFakeServer

    from adapters.server import check_port_free
    from simulator.export import read_export

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    if args.data is not None:
        try:
            read_export(args.data)  # read again by the worker: a bad file stops here, clearly
        except ValueError as error:
            print(f"error: --data {error}", file=sys.stderr)
            return 2
    try:
        check_port_free(args.host, args.port)
    except OSError as error:
        print(f"error: --port {args.port}: {error.strerror} (another simulator?)", file=sys.stderr)
        return 2
    try:
        redis = TcpFakeServer(("127.0.0.1", args.redis_port), server_type="redis")
    except OSError as error:
        print(
            f"error: --redis-port {args.redis_port}: {error.strerror} (another simulator?)", file=sys.stderr
        )
        return 2
    redis.daemon_threads = True  # clients blocked in XREAD must not hold up the shutdown
    redis.block_on_close = False
    threading.Thread(target=redis.serve_forever, daemon=True, name="fake-redis").start()
    log.info("fake Redis listening on 127.0.0.1:%s", args.redis_port)
    options = {
        "data": str(args.data) if args.data else None,
        "sizes": {
            "participants": args.participants,
            "motions": args.motions,
            "agenda_items": args.agenda_items,
            "polls": args.polls,
            "seed": args.seed,
        },
        "auth": args.auth,
    }
    os.environ[OPTIONS_VARIABLE] = json.dumps(options)
    os.environ.setdefault("OPENSLIDES_DEVELOPMENT", "true")
    os.environ.update(
        AUTOUPDATE_HOST=args.host,
        AUTOUPDATE_PORT=str(args.port),
        AUTOUPDATE_WORKERS="1",  # the in-memory datastore lives in the one worker
        MESSAGE_BUS_HOST="127.0.0.1",
        MESSAGE_BUS_PORT=str(args.redis_port),
    )
    if args.unrestricted:
        os.environ["AUTOUPDATE_UNRESTRICTED"] = "true"
    from adapters.config import ConfigError, load_config
    from adapters.server import serve

    try:
        config = load_config(os.environ)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        serve(config, "simulator.__main__:create_app")
    finally:
        redis.shutdown()
    return 0


def create_app() -> Any:
    """Granian factory: runs in the worker process and builds the simulated service there."""
    from adapters.http.app import AutoupdateApp

    return AutoupdateApp(_build)


async def _build() -> Any:
    from redis.asyncio import Redis

    from adapters.auth_jwt import DefaultUserAuthenticator, JwtAuthenticator
    from adapters.compose import assemble
    from adapters.config import load_config
    from adapters.redis_bus import RedisBus
    from adapters.redis_counts import RedisConnectionCounts
    from simulator.bus_writer import BusWriter
    from simulator.datastore import MemoryDatastore
    from simulator.fake_auth import FakeAuthService
    from simulator.fake_votes import FakeVoteService

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    config = load_config(os.environ)
    options = json.loads(os.environ.get(OPTIONS_VARIABLE, "{}"))
    datastore = MemoryDatastore()
    datastore.load_export(_initial_data(options))
    # The simulator is its own auth service: it refreshes expired access tokens in process.
    auth_service = FakeAuthService(config.token_key, config.cookie_key)
    jwt = JwtAuthenticator(config.token_key, config.cookie_key, config.auth_url, transport=auth_service)
    authenticator = jwt if options.get("auth") else DefaultUserAuthenticator(jwt)
    bus = RedisBus(config.message_bus_host, config.message_bus_port)
    redis = Redis(host=config.message_bus_host, port=config.message_bus_port)
    service = assemble(
        config,
        datastore,
        bus,
        authenticator,
        votes=FakeVoteService(),
        count_store=RedisConnectionCounts(redis),
        logouts=jwt.feed_logouts,
        before_changes=_writer(datastore),
    )
    service.writer = BusWriter(redis)
    service.on_shutdown.extend([bus.close, redis.aclose, jwt.aclose])
    log.info("simulator ready on port %s", config.autoupdate_port)
    return service


def _initial_data(options: dict[str, Any]) -> dict[str, Any]:
    if options.get("data"):
        from simulator.export import read_export

        log.info("loading export %s", options["data"])
        return read_export(Path(options["data"]))
    from simulator.generate import generate_meeting

    sizes = options.get("sizes", {})
    log.info("generating a meeting: %s", sizes)
    return generate_meeting(**sizes)


def _writer(datastore: Any) -> Any:
    def write(changes: dict[str, Any]) -> None:
        try:
            datastore.apply_changes(changes, information={"simulator": "redis write"})
        except ValueError as error:
            log.warning("change not written to the simulated datastore: %s", error)

    return write


# -- token and write ------------------------------------------------------------------------


def _token(args: argparse.Namespace) -> int:
    now = time.time()
    credentials = mint(args.user_id, session_id=args.session, lifetime_seconds=args.lifetime, now=now)
    header, cookie = credentials.curl_args()
    expires = time.strftime("%H:%M:%S UTC", time.gmtime(int(now) + args.lifetime))
    print(f"Authentication: {credentials.authentication_header}")
    print(f"Cookie: refreshId={credentials.cookie}")
    print(f"curl {header} {cookie} ...")
    print(
        f"# The access token is valid for {_duration(args.lifetime)} (until {expires}), the refresh "
        f"cookie for {_duration(COOKIE_LIFETIME_SECONDS)}. After that, `python -m simulator --auth` "
        "refreshes the token as the auth service would: the answer carries a new one in its "
        "Authentication header."
    )
    return 0


def _duration(seconds: int) -> str:
    for unit, size in (("hours", 3600), ("minutes", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} seconds"


def _explain(args: argparse.Namespace) -> int:
    import httpx

    params = {"user_id": str(args.user_id), "key": args.key}
    try:
        response = httpx.get(f"{args.url}/internal/autoupdate/explain", params=params, timeout=30)
    except httpx.HTTPError as error:
        print(f"error: {args.url}: {error}", file=sys.stderr)
        return 1
    print(response.text, end="")
    return 0 if response.status_code == 200 else 1


def _write(args: argparse.Namespace) -> int:
    import redis

    fields: dict[str, str] = {}
    for change in args.changes:
        key, sep, raw = change.partition("=")
        if not sep:
            print(f"error: {change!r} is not KEY=JSON", file=sys.stderr)
            return 2
        try:
            msgspec.json.decode(raw)
            fields[key] = raw
        except msgspec.DecodeError:
            fields[key] = json.dumps(raw)
    host, port = args.redis
    try:
        entry = redis.Redis(host=host, port=port).xadd("ModifiedFields", fields)  # type: ignore[arg-type]
    except redis.RedisError as error:
        print(f"error: --redis {host}:{port}: {error} (is the simulator running?)", file=sys.stderr)
        return 1
    print(f"XADD ModifiedFields {entry.decode() if isinstance(entry, bytes) else entry}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
