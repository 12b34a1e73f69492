"""The service's metrics (spec §9): gathered once, rendered as upstream's log line or as
Prometheus text (spec A8), so both always show the same values under the same names.

``datastore_cache_size`` is, as upstream's, the bytes of the cached values: the cache's estimate
(``datastore_cache_bytes``, see ``domain.cache_store``). ``runtime_tasks`` (asyncio tasks) stands in for
upstream's ``runtime_goroutines``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import msgspec

from adapters.http.counting import LONGPOLLING, STREAM, ConnectionCounter
from ports.counts import ConnectionCountStore

KINDS = (STREAM, LONGPOLLING)
PROMETHEUS_PREFIX = "autoupdate_"

log = logging.getLogger("autoupdate.metrics")


class Metrics:
    """Connection counts (local, and cluster-wide when a store is given) plus the engine's own
    statistics (``Autoupdate.statistics``)."""

    def __init__(
        self,
        counter: ConnectionCounter,
        statistics: Callable[[], dict[str, int]],
        store: ConnectionCountStore | None = None,
        max_age: float = 600.0,
    ) -> None:
        self._counter = counter
        self._statistics = statistics
        self._store = store
        self._max_age = max_age

    async def collect(self) -> dict[str, int]:
        """Every value by name. The cluster-wide values of a counter are left out when reading
        the store fails (logged); its local values are still true and stay."""
        values: dict[str, int] = {}
        for kind in KINDS:
            if self._store is not None:
                try:
                    cluster = await self._store.load(kind, self._max_age)
                except Exception:
                    log.exception("fetch connection count metric %s", kind)
                else:
                    values.update(_cluster_values(kind, cluster))
            values.update(_local_values(kind, self._counter.snapshot(kind)))
        values.update(self._statistics())
        values.setdefault("datastore_cache_size", values.get("datastore_cache_bytes", 0))
        values["runtime_tasks"] = len(asyncio.all_tasks())
        return values


def _cluster_values(kind: str, counts: dict[int, int]) -> dict[str, int]:
    connected = [count for count in counts.values() if count > 0]
    users = [count for user_id, count in counts.items() if count > 0 and user_id != 0]
    return {
        f"{kind}_connected_users_current": len(connected),
        f"{kind}_connected_users_total": len(counts),
        f"{kind}_connected_users_average_connections": sum(users) // len(users) if users else 0,
        f"{kind}_connections_public_access": counts.get(0, 0),
        f"{kind}_current_connections": sum(connected),
    }


def _local_values(kind: str, counts: dict[int, int]) -> dict[str, int]:
    connected = [count for count in counts.values() if count > 0]
    return {
        f"{kind}_connected_users_current_local": len(connected),
        f"{kind}_connected_users_total_local": len(counts),
        f"{kind}_current_connections_local": sum(connected),
    }


def log_line(values: dict[str, int]) -> str:
    """Upstream's line: ``Metric: {"name":value,…}`` with sorted names."""
    return "Metric: " + msgspec.json.encode(values, order="sorted").decode()


def prometheus_text(values: dict[str, int]) -> str:
    """Prometheus text exposition format: every value a gauge, its name prefixed with
    ``autoupdate_`` (once: engine statistics may carry the prefix already)."""
    gauges = {
        name if name.startswith(PROMETHEUS_PREFIX) else PROMETHEUS_PREFIX + name: value
        for name, value in values.items()
    }
    lines: list[str] = []
    for metric in sorted(gauges):
        lines += [f"# TYPE {metric} gauge", f"{metric} {gauges[metric]}"]
    return "\n".join(lines) + "\n"
