"""Composition root pieces shared by the production server and the simulator: the engine,
the HTTP service and its background jobs, built from a config and concrete ports."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from adapters.config import Config
from adapters.http.counts_routes import log_metrics_forever, save_counts_forever
from adapters.http.service import Service
from adapters.redis_counts import instance_name
from domain.autoupdate import Autoupdate, Limits
from domain.cache import Cache
from domain.changes import parse_changes
from domain.limits import UserKeys
from domain.live_votes import LiveVotes
from domain.projector.registry import default_registry
from domain.restrict import Restricter
from domain.restrict.modes import Unrestricted
from domain.restrict.restricter import PermissionRestricter
from ports.auth import Authenticator
from ports.counts import ConnectionCountStore
from ports.datastore import Datastore
from ports.messagebus import MessageBus
from ports.votes import VoteCounts

log = logging.getLogger("autoupdate")

UNRESTRICTED_WARNING = (
    "!!! AUTOUPDATE_UNRESTRICTED is on: every user sees ALL data, permission rules are skipped. "
    "Development only; never use this with real data. !!!"
)


def restricter(config: Config) -> Restricter:
    """The permission rules, or the loudly announced unrestricted development mode."""
    if config.autoupdate_unrestricted:
        log.warning(UNRESTRICTED_WARNING)
        return Unrestricted()
    return PermissionRestricter()


def assemble(
    config: Config,
    datastore: Datastore,
    bus: MessageBus,
    authenticator: Authenticator,
    *,
    votes: VoteCounts | None = None,
    count_store: ConnectionCountStore | None = None,
    logouts: Callable[[Iterable[str]], None] | None = None,
    before_changes: Callable[[dict[str, Any]], None] | None = None,
) -> Service:
    """Wire the engine over ``datastore`` and the jobs that feed it from ``bus`` and ``votes``.

    ``votes`` (None with ``OPENSLIDES_PUBLIC_ACCESS_ONLY``: then ``poll/live_votes`` is read from
    the datastore) feeds ``poll/live_votes``; ``count_store`` shares connection counts between
    instances. ``before_changes`` sees every change batch before the engine does (the
    simulator uses it to write the batch into its in-memory datastore, as a writer would).
    """
    cache = Cache(
        datastore,
        pushed=frozenset({"poll/live_votes"}) if votes is not None else frozenset(),
        max_bytes=config.cache_max_bytes,
    )
    engine = Autoupdate(
        cache,
        restricter(config),
        workers=config.concurent_worker,
        limits=Limits(max_keys=config.max_keys, max_queue=config.max_queued_messages),
        slides=default_registry(),
        audit_share=config.autoupdate_audit,
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

    service = Service(
        engine=engine,
        authenticator=authenticator,
        max_body_size=config.max_body_size,
        max_request_depth=config.max_request_depth,
        max_request_ids=config.max_request_ids,
        max_keys=config.max_keys,
        user_keys=UserKeys(config.max_user_keys),
        heartbeat_seconds=config.openslides_heartbeat_interval,
        internal_routes=config.autoupdate_internal_routes,
        count_store=count_store,
        count_max_age=2 * config.metric_save_interval,
        background=[consume_changes, consume_logouts, reset_cache],
    )
    if votes is not None:
        service.background.append(partial(consume_votes, votes, engine))
    if count_store is not None:
        instance = instance_name()
        service.background.append(
            partial(save_counts_forever, service, instance, config.metric_save_interval)
        )
    service.background.append(partial(log_metrics_forever, service, config.metric_interval))
    return service


async def consume_votes(votes: VoteCounts, engine: Autoupdate) -> None:
    """Feed ``poll/live_votes`` from the vote service; reads never wait for it (spec A3)."""
    live = LiveVotes()
    async for message in votes.live_votes():
        changes = live.apply(message)
        if changes:
            engine.apply_changes(changes)
