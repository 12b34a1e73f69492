"""Metrics of spec §9: names and values, with and without the cluster-wide store; renderings."""

from __future__ import annotations

import asyncio
import json

from adapters.http.counting import LONGPOLLING, STREAM, ConnectionCounter
from adapters.metrics import Metrics, log_line, prometheus_text

STATISTICS = {
    "datastore_cache_key_len": 40,
    "datastore_cache_objects": 4,
    "datastore_cache_bytes": 4096,
    "autoupdate_groups": 2,
}


class DictStore:
    """A ConnectionCountStore over fixed cluster-wide counts; ``fail`` makes loading raise."""

    def __init__(self, counts: dict[str, dict[int, int]], fail: bool = False) -> None:
        self.counts = counts
        self.fail = fail
        self.max_ages: list[float] = []

    async def save(self, name: str, instance: str, counts: dict[int, int]) -> None:
        raise AssertionError("metrics never save")

    async def load(self, name: str, max_age_seconds: float) -> dict[int, int]:
        self.max_ages.append(max_age_seconds)
        if self.fail:
            raise ConnectionError("redis is down")
        return self.counts[name]


def _counter() -> ConnectionCounter:
    counter = ConnectionCounter()
    counter.counts[STREAM].update({0: 2, 5: 3, 6: 0})
    counter.counts[LONGPOLLING].update({7: 1})
    return counter


def _collect(store: DictStore | None = None) -> dict[str, int]:
    return asyncio.run(Metrics(_counter(), lambda: dict(STATISTICS), store, max_age=20).collect())


def test_local_values_engine_statistics_and_runtime_without_a_store() -> None:
    values = _collect()
    assert {k: v for k, v in values.items() if k.startswith("connections_")} == {
        "connections_stream_connected_users_current_local": 2,
        "connections_stream_connected_users_total_local": 3,
        "connections_stream_current_connections_local": 5,
        "connections_longpolling_connected_users_current_local": 1,
        "connections_longpolling_connected_users_total_local": 1,
        "connections_longpolling_current_connections_local": 1,
    }
    assert values["datastore_cache_key_len"] == 40
    assert values["datastore_cache_size"] == 4096  # bytes, as upstream's
    assert values["autoupdate_groups"] == 2
    assert values["runtime_tasks"] >= 1


def test_cluster_values_from_the_store() -> None:
    store = DictStore({STREAM: {0: 4, 1: 3, 2: 4, 3: 0, 4: -1}, LONGPOLLING: {}})
    values = _collect(store)
    assert store.max_ages == [20, 20]
    assert values["connections_stream_connected_users_current"] == 3
    assert values["connections_stream_connected_users_total"] == 5
    assert values["connections_stream_connected_users_average_connections"] == 3
    assert values["connections_stream_connections_public_access"] == 4
    assert values["connections_stream_current_connections"] == 11
    assert values["connections_longpolling_connected_users_total"] == 0
    assert values["connections_longpolling_connected_users_average_connections"] == 0
    assert values["connections_longpolling_connections_public_access"] == 0
    assert values["connections_stream_current_connections_local"] == 5


def test_a_failing_store_leaves_out_only_the_cluster_values() -> None:
    values = _collect(DictStore({}, fail=True))
    assert not any(name.endswith("_current_connections") for name in values)
    assert values["connections_stream_current_connections_local"] == 5


def test_log_line_is_upstreams_sorted_json() -> None:
    assert log_line({"b": 2, "a": 1}) == 'Metric: {"a":1,"b":2}'
    line = log_line(_collect())
    assert line.startswith("Metric: {")
    assert json.loads(line.removeprefix("Metric: "))["datastore_cache_size"] == 4096


def test_prometheus_text_has_a_prefixed_gauge_per_value() -> None:
    text = prometheus_text({"runtime_tasks": 3, "autoupdate_groups": 2, "datastore_cache_size": 7})
    assert text == (
        "# TYPE autoupdate_datastore_cache_size gauge\n"
        "autoupdate_datastore_cache_size 7\n"
        "# TYPE autoupdate_groups gauge\n"
        "autoupdate_groups 2\n"
        "# TYPE autoupdate_runtime_tasks gauge\n"
        "autoupdate_runtime_tasks 3\n"
    )
