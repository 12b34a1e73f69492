"""Scenarios B1 (first response) and B4 (domain only) of spec/benchmarks.md.

B1 talks HTTP to a running service (``Target``); B4 runs the engine in this process on the
in-memory datastore. B2 and B3 are in ``fanout``. Each returns ``Result`` tables; nothing here
asserts a target.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import msgspec

from domain.autoupdate.engine import Autoupdate
from domain.cache import Cache
from domain.keysbuilder.parse import parse_many
from domain.restrict.restricter import PermissionRestricter
from simulator.bench.driver import progress
from simulator.bench.measure import Target, percentile
from simulator.bench.report import Result, ms
from simulator.bench.writes import Meeting
from simulator.datastore import MemoryDatastore
from simulator.requests import client_meeting_request

B1_ROLES = ("admin", "staff", "delegate", "anonymous")


def _users(meeting: Meeting) -> dict[str, list[int]]:
    return {**meeting.roles(), "anonymous": [0]}


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{ms(statistics.median(values))} / {ms(percentile(values, 90))}"


# -- B1 -------------------------------------------------------------------------------------


async def b1(target: Target, *, cold_runs: int, repeat: int) -> Result:
    """First response per role, cold (fresh process each) and warm (data cache filled)."""
    users = _users(target.meeting)
    cold: dict[str, list[float]] = {role: [] for role in B1_ROLES}
    if target.restart is not None:
        for run in range(cold_runs):
            for role in B1_ROLES:
                progress(f"B1 cold: {role}, run {run + 1}/{cold_runs}")
                await asyncio.to_thread(target.restart)
                _, seconds = await target.single(users[role][run % len(users[role])])
                cold[role].append(seconds)
    await target.fresh()
    result = Result(
        "B1 first response, meeting request, `?single`",
        (
            "role",
            "cold median / p90",
            "warm, first of its role",
            "warm, further users median / p90",
            "keys",
            "bytes",
        ),
    )
    for role in B1_ROLES:
        progress(f"B1 warm: {role}")
        times, keys, size = [], 0, 0
        for index in range(repeat):
            line, seconds = await target.single(users[role][index % len(users[role])])
            times.append(seconds)
            if index == 0:
                keys, size = len(msgspec.json.decode(line)), len(line) + 1
        result.rows.append(
            (role, _spread(cold[role]), ms(times[0]), _spread(times[1:]), str(keys), str(size))
        )
    distinct = {role: min(repeat, len(users[role])) for role in B1_ROLES}
    result.notes.append(
        f"cold: {cold_runs} fresh service process(es) per role"
        if target.restart is not None
        else "cold: not measured (the service is not started by the benchmark)"
    )
    result.notes.append(
        f"warm: {repeat} requests per role after one request of user 1; distinct users: "
        + ", ".join(f"{role} {count}" for role, count in distinct.items())
    )
    return result


# -- B4 -------------------------------------------------------------------------------------


async def b4(export: dict[str, Any], *, repeat: int) -> Result:
    """Restricted keys per second of one computation from scratch (the engine's ``single`` on a
    new engine over a warm cache, so no computed group is reused), no HTTP."""
    datastore = MemoryDatastore()
    datastore.load_export(export)
    cache = Cache(datastore)
    engine = Autoupdate(cache, PermissionRestricter(), workers=1)
    request = parse_many(client_meeting_request())
    roles = Meeting.from_export(export).roles()
    result = Result(
        "B4 domain only, meeting request, warm cache", ("role", "keys", "median time", "keys per second")
    )
    async with engine.running():
        for role in ("delegate", "admin"):
            progress(f"B4: {role}")
            user_id = roles[role][0]
            keys = len(await engine.single(user_id, request))  # fills the cache
            times = []
            for _ in range(repeat):
                fresh = Autoupdate(cache, PermissionRestricter(), workers=1)
                async with fresh.running():
                    started = time.perf_counter()
                    await fresh.single(user_id, request)
                    times.append(time.perf_counter() - started)
            median = statistics.median(times)
            result.rows.append((role, str(keys), ms(median), f"{keys / median:,.0f}"))
    result.notes.append(
        f"{repeat} runs per role after one warming run, each on a new engine over the warm cache; no slides"
    )
    return result
