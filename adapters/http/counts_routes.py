"""``/system/autoupdate/connection_count`` and ``/system/autoupdate/metrics`` (spec §3.6, A2,
A8), and the background jobs that save the counts to the store and log the metrics (§8.2, §9).

Both routes share upstream's access rule: organization managers and meeting admins only, a
meeting admin seeing the counts of their meetings' members. Their errors are upstream's plain
text (``http.Error``), not the JSON error object of the autoupdate routes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

import msgspec

from adapters.http.asgi import NO_STORE, Send, body, start
from adapters.http.identity import authenticated, refreshed
from adapters.http.request import Request
from adapters.http.service import Service
from adapters.metrics import KINDS, Metrics, log_line, prometheus_text
from domain.autoupdate.compute import run_complete
from domain.connection_count import CountScope, connection_count_scope, filter_counts

log = logging.getLogger("autoupdate.http")
metric_log = logging.getLogger("autoupdate.metrics")

PLAIN_TEXT = b"text/plain; charset=utf-8"
PROMETHEUS_TEXT = b"text/plain; version=0.0.4; charset=utf-8"

Render = Callable[[CountScope], Awaitable[bytes]]


async def connection_count(service: Service, request: Request, send: Send) -> None:
    """``[stream_counts, longpolling_counts]``: cluster-wide sums when a store is configured,
    else this instance's counts; filtered to what the user may see."""

    async def render(scope: CountScope) -> bytes:
        counts = [filter_counts(await _counts(service, kind), scope) for kind in KINDS]
        wire = [{str(user_id): count for user_id, count in kind.items()} for kind in counts]
        return msgspec.json.encode(wire, order="sorted") + b"\n"

    await _allowed_only(service, request, send, render, PLAIN_TEXT)


async def metrics(service: Service, request: Request, send: Send) -> None:
    """Every metric of §9 in the Prometheus text format."""

    async def render(scope: CountScope) -> bytes:
        return prometheus_text(await metrics_of(service).collect()).encode()

    await _allowed_only(service, request, send, render, PROMETHEUS_TEXT)


def metrics_of(service: Service) -> Metrics:
    engine = service.engine

    def statistics() -> dict[str, int]:
        return engine.statistics() | engine.cache.metrics()

    return Metrics(service.counter, statistics, service.count_store, service.count_max_age)


async def save_counts_forever(service: Service, instance: str, interval: float) -> None:
    """Every ``interval`` (the first time after one), save this instance's counts to the store
    under ``instance``. Returns at once when no store is configured. A failed save is logged
    and the next one comes on time."""
    store = service.count_store
    if store is None:
        return
    while True:
        await asyncio.sleep(interval)
        for kind in KINDS:
            try:
                await store.save(kind, instance, service.counter.snapshot(kind))
            except Exception:
                log.exception("Error: save connection count %s", kind)


async def log_metrics_forever(service: Service, interval: float) -> None:
    """Every ``interval`` (the first time after one), log upstream's ``Metric: {…}`` line.
    An interval ≤ 0 disables it (``METRIC_INTERVAL=0``): the job returns at once."""
    if interval <= 0:
        return
    metrics = metrics_of(service)
    while True:
        await asyncio.sleep(interval)
        metric_log.info("%s", log_line(await metrics.collect()))


async def _counts(service: Service, kind: str) -> dict[int, int]:
    if service.count_store is None:
        return service.counter.snapshot(kind)
    return await service.count_store.load(kind, service.count_max_age)


async def _allowed_only(
    service: Service, request: Request, send: Send, render: Render, content_type: bytes
) -> None:
    """Authenticate, check the access rule, answer with ``render(scope)``."""
    identity = await authenticated(service, request, send)
    if identity is None:
        return
    headers = [NO_STORE]
    headers.extend(refreshed(identity))
    try:
        scope, _ = await run_complete(
            service.engine.cache, partial(connection_count_scope, user_id=identity.user_id)
        )
        data = None if scope is False else await render(scope)
    except Exception:
        log.exception("Error: counting connections")
        await _plain_error(send, headers, 500, "Counting not possible")
        return
    if data is None:
        await _plain_error(send, headers, 400, "Connection counting not allowed")
        return
    await start(send, 200, [(b"content-type", content_type), *headers])
    await body(send, data)


async def _plain_error(send: Send, headers: list[tuple[bytes, bytes]], status: int, text: str) -> None:
    """Like Go's ``http.Error``: plain text, no sniffing, message and newline."""
    plain = [(b"content-type", PLAIN_TEXT), (b"x-content-type-options", b"nosniff"), *headers]
    await start(send, status, plain)
    await body(send, text.encode() + b"\n")
