"""Bounded memory through HTTP against the real simulator process (issue: hostile requests).

Six ``single`` requests of 100,000 ids of users that do not exist leave the cache near its
baseline; objects an open stream reads survive cache pressure and keep their updates; an
evicted object read again comes back with current data. RSS bounds are memory bounds, not
timings."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis

from simulator.bench import proc
from tests.e2e.conftest import ROOT, Server, start_simulator, stop

pytestmark = pytest.mark.e2e

REQUESTS = 6
IDS = 100_000
MAX_MORE_OBJECTS = 10_000
MAX_MORE_RSS = 150 * 1024 * 1024


def metrics(server: Server) -> dict[str, int]:
    text = httpx.get(f"{server.url}/system/autoupdate/metrics", timeout=30).text
    values = (line.split() for line in text.splitlines() if line and not line.startswith("#"))
    return {name.removeprefix("autoupdate_"): int(value) for name, value in values}


def missing_users(part: int) -> bytes:
    """``IDS`` user ids that do not exist, a new range for each part (~0.9 MB)."""
    first = 1_000_000 + part * IDS
    ids = list(range(first, first + IDS))
    return json.dumps([{"collection": "user", "ids": ids, "fields": {"username": None}}]).encode()


@dataclass
class Attack:
    before: dict[str, int]
    after: dict[str, int]
    rss_before: int
    rss_after: int


@pytest.fixture(scope="module")
def attack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Attack]:
    """A simulator with the default configuration, before and after the hostile requests."""
    server = start_simulator(tmp_path_factory.mktemp("attack"))
    try:
        before, rss_before = metrics(server), proc.rss_bytes(server.process.pid)
        for part in range(REQUESTS):
            response = httpx.post(
                f"{server.url}/system/autoupdate?single", content=missing_users(part), timeout=300
            )
            assert (response.status_code, response.text) == (200, "{}\n")
        yield Attack(before, metrics(server), rss_before, proc.rss_bytes(server.process.pid))
    finally:
        stop(server)


def test_missing_ids_leave_the_cache_near_its_baseline(attack: Attack) -> None:
    assert (
        attack.after["datastore_cache_objects"] <= attack.before["datastore_cache_objects"] + MAX_MORE_OBJECTS
    )
    assert attack.after["datastore_cache_evictions"] >= REQUESTS * IDS - MAX_MORE_OBJECTS
    assert attack.after["datastore_cache_bytes"] <= attack.before["datastore_cache_bytes"] + 1024 * 1024


def test_missing_ids_leave_the_rss_near_its_baseline(attack: Attack) -> None:
    assert attack.rss_after - attack.rss_before <= MAX_MORE_RSS


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A simulator whose cache keeps nothing beyond what open streams read."""
    server = start_simulator(tmp_path_factory.mktemp("tight"), "--unrestricted", env={"CACHE_MAX_BYTES": "0"})
    yield server
    stop(server)


def longpoll(server: Server, keys: str) -> dict[str, object]:
    """Read ``keys`` once by longpolling: answered at once, and nothing stays open."""
    response = httpx.get(f"{server.url}/system/autoupdate?longpolling&k={keys}", timeout=30)
    assert response.status_code == 200
    data = response.content.split(b'name="data"\r\n\r\n')[1].split(b"\r\n")[0]
    result: dict[str, object] = json.loads(data)
    return result


def test_objects_an_open_stream_reads_keep_their_updates_under_pressure(tight: Server) -> None:
    bus = redis.Redis(port=tight.redis_port)
    url = f"{tight.url}/system/autoupdate?k=motion/1/title"
    with httpx.Client(timeout=30) as client, client.stream("GET", url) as stream:
        lines = (line for line in stream.iter_lines() if line != "{}")
        assert "motion/1/title" in json.loads(next(lines))
        evictions = metrics(tight)["datastore_cache_evictions"]
        others = ",".join(f"user/{n}/username" for n in range(2, 31))
        assert len(longpoll(tight, others)) == 29  # loaded, then shed at once
        after = metrics(tight)
        assert after["datastore_cache_evictions"] >= evictions + 29
        assert (
            after["datastore_cache_unused_bytes"] == 0 < after["datastore_cache_bytes"]
        )  # what streams read
        for n in range(3):
            bus.xadd("ModifiedFields", {"motion/1/title": json.dumps(f"title {n}")})
            assert json.loads(next(lines)) == {"motion/1/title": f"title {n}"}


def test_an_evicted_object_read_again_is_loaded_with_current_data(tight: Server) -> None:
    bus = redis.Redis(port=tight.redis_port)
    before = metrics(tight)
    assert longpoll(tight, "topic/1/title")["topic/1/title"] != "changed while evicted"
    evicted = metrics(tight)
    assert evicted["datastore_cache_evictions"] > before["datastore_cache_evictions"]
    assert evicted["datastore_cache_unused_bytes"] == 0  # nothing kept beyond open streams
    bus.xadd("ModifiedFields", {"topic/1/title": json.dumps("changed while evicted")})
    response = httpx.get(f"{tight.url}/system/autoupdate?single&k=topic/1/title", timeout=30)
    assert json.loads(response.text) == {"topic/1/title": "changed while evicted"}


def test_hostile_command_reports_the_cache_before_and_after(tight: Server, tmp_path: Path) -> None:
    figures = tmp_path / "hostile.json"
    command = [sys.executable, "-m", "simulator", "hostile", "--url", tight.url, "--requests", "2"]
    command += ["--ids", "3000", "--settle", "0", "--json", str(figures)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "| 2 | " in done.stdout and "| `autoupdate_datastore_cache_evictions` |" in done.stdout, (
        done.stdout
    )
    result = json.loads(figures.read_text())
    before, after = result["before"], result["after"]
    missing, evictions = "autoupdate_datastore_cache_missing", "autoupdate_datastore_cache_evictions"
    assert after[missing] == 4096  # 6,000 ids looked up, the last 4,096 kept
    assert after[evictions] >= before[evictions] + before[missing] + 6000 - 4096
    assert result["after"]["rss"] > 0  # the simulator runs on this machine: found by its port
