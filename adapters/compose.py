"""Composition root pieces shared by the production server and the simulator: the engine,
the HTTP service and its background jobs, built from a config and concrete ports."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from adapters.config import Config
from adapters.http.service import Service
from domain.autoupdate import Autoupdate, Limits
from domain.cache import Cache
from domain.changes import parse_changes
from domain.restrict import Restricter
from domain.restrict.modes import Unrestricted
from domain.restrict.restricter import PermissionRestricter
from ports.auth import Authenticator
from ports.datastore import Datastore
from ports.messagebus import MessageBus

log = logging.getLogger("autoupdate")

UNRESTRICTED_WARNING = (
    "!!! AUTOUPDATE_UNRESTRICTED is on: every user sees ALL data, permission rules are skipped. "
    "Development only; never use this with real data. !!!"
)


def restricter(config: Config) -> Restricter:
    """The permission rules, or the loudly announced unrestricted development mode."""
    if config.autoupdate_unrestricted:
        for _ in range(3):
            log.warning(UNRESTRICTED_WARNING)
        return Unrestricted()
    return PermissionRestricter()


def assemble(
    config: Config,
    datastore: Datastore,
    bus: MessageBus,
    authenticator: Authenticator,
    *,
    logouts: Callable[[Iterable[str]], None] | None = None,
    before_changes: Callable[[dict[str, Any]], None] | None = None,
) -> Service:
    """Wire the engine over ``datastore`` and the jobs that feed it from ``bus``.

    ``before_changes`` sees every change batch before the engine does (the simulator uses it
    to write the batch into its in-memory datastore, as a datastore writer would have).
    """
    cache = Cache(datastore)
    engine = Autoupdate(
        cache,
        restricter(config),
        workers=config.concurent_worker,
        limits=Limits(max_keys=config.max_keys, max_queue=config.max_queued_messages),
    )

    async def consume_changes() -> None:
        async for raw in bus.changes():
            changes = parse_changes(raw)
            if not changes:
                continue
            if before_changes is not None:
                before_changes(changes)
            engine.apply_changes(changes)

    async def consume_logouts() -> None:
        async for session_ids in bus.logouts():
            if logouts is not None:
                logouts(session_ids)

    async def reset_cache() -> None:
        while True:
            await asyncio.sleep(config.cache_reset)
            cache.reset()
            log.info("cache reset (CACHE_RESET=%ss)", config.cache_reset)

    return Service(
        engine=engine,
        authenticator=authenticator,
        max_body_size=config.max_body_size,
        max_request_depth=config.max_request_depth,
        heartbeat_seconds=config.openslides_heartbeat_interval,
        background=[consume_changes, consume_logouts, reset_cache],
    )
