"""``python -m adapters.server``: the production service (Postgres, Redis, auth) under Granian.

Commands: ``run`` (default) starts the service; ``build-doc`` prints the environment variable
table; ``health`` checks a running instance (exit 0 when healthy, for container health checks).
This module is the production composition root.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

import httpx

from adapters.config import Config, ConfigError, build_doc, load_config

log = logging.getLogger("autoupdate")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SHUTDOWN_SECONDS = 10
"""Upper bound for a worker to stop after SIGTERM; streams end at once, slow clients are cut."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m adapters.server",
        description="OpenSlides autoupdate service. Configured by environment variables:\n\n" + build_doc(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", nargs="?", default="run", choices=["run", "build-doc", "health"])
    args = parser.parse_args(argv)
    if args.command == "build-doc":
        print(build_doc(), end="")
        return 0
    if args.command == "health":
        return health(os.environ.get("AUTOUPDATE_PORT") or "9012")
    try:
        config = load_config(os.environ)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        check_port_free(config.autoupdate_host, config.autoupdate_port)
    except OSError as error:
        print(f"error: AUTOUPDATE_PORT {config.autoupdate_port}: {error.strerror}", file=sys.stderr)
        return 2
    serve(config, "adapters.server:create_app")
    return 0


def check_port_free(host: str, port: int) -> None:
    """Raise OSError if nothing may listen on ``host:port``, e.g. another instance does.

    Granian binds with ``SO_REUSEPORT``, so a second instance would silently share the port
    with the first; a plain bind, made and released here, is refused instead.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no obstacle
        probe.bind((host, port))


def health(port: str) -> int:
    """Exit code 0 only for status 200 with exactly the health body (as upstream's ``health``)."""
    try:
        response = httpx.get(f"http://localhost:{port}/system/autoupdate/health", timeout=5)
    except httpx.HTTPError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    healthy = response.status_code == 200 and response.text.strip() == '{"healthy": true}'
    if not healthy:
        print(f"unhealthy: {response.status_code} {response.text.strip()}", file=sys.stderr)
    return 0 if healthy else 1


def serve(config: Config, target: str) -> None:
    """Run Granian with settings for thousands of long-lived streams."""
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces

    tls: dict[str, Any] = {}
    if config.autoupdate_ssl_certificate:
        tls = {
            "ssl_cert": Path(config.autoupdate_ssl_certificate),
            "ssl_key": Path(config.autoupdate_ssl_keyfile),
        }
    Granian(
        target,
        factory=True,
        interface=Interfaces.ASGI,
        address=config.autoupdate_host,
        port=config.autoupdate_port,
        workers=config.autoupdate_workers,
        http=HTTPModes.auto,
        backlog=4096,
        backpressure=config.autoupdate_backpressure,
        log_access=False,
        workers_kill_timeout=SHUTDOWN_SECONDS,
        **tls,
    ).serve()


def create_app() -> Any:
    """Granian factory: builds the production service inside each worker process."""
    from adapters.http.app import AutoupdateApp

    return AutoupdateApp(_build)


async def _build() -> Any:
    from redis.asyncio import Redis

    from adapters.auth_jwt import FakeAuthenticator, JwtAuthenticator
    from adapters.compose import assemble
    from adapters.postgres_datastore import PostgresDatastore
    from adapters.redis_bus import RedisBus
    from adapters.redis_counts import RedisConnectionCounts
    from adapters.vote_client import VoteServiceClient

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per token refresh
    config = load_config(os.environ)
    datastore = PostgresDatastore(
        user=config.database_user,
        password=config.database_password(),
        host=config.database_host,
        port=config.database_port,
        database=config.database_name,
    )
    bus = RedisBus(config.message_bus_host, config.message_bus_port)
    shutdown: list[Any] = [bus.close, datastore.close]
    ports: dict[str, Any] = {}
    if not config.openslides_public_access_only:
        votes = VoteServiceClient(
            config.vote_url, timeout=config.vote_timeout, debug=config.debug_has_voted_user_ids
        )
        ports["votes"] = votes
        shutdown.append(votes.aclose)
    if config.saves_connection_counts:
        redis = Redis(host=config.message_bus_host, port=config.message_bus_port)
        ports["count_store"] = RedisConnectionCounts(redis)
        shutdown.append(redis.aclose)
    if config.auth_fake:
        service = assemble(config, datastore, bus, FakeAuthenticator(), **ports)
    else:
        jwt = JwtAuthenticator(config.token_key, config.cookie_key, config.auth_url)
        service = assemble(config, datastore, bus, jwt, logouts=jwt.feed_logouts, **ports)
        shutdown.append(jwt.aclose)
    service.on_shutdown.extend(shutdown)
    log.info("Listen on :%s", config.autoupdate_port)
    return service


if __name__ == "__main__":
    raise SystemExit(main())
