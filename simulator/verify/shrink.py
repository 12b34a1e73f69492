"""Shrink a failing case to a minimal one that still fails the same way.

Greedy, as property-testing libraries do: drop steps (writes, connections, departures), then
keys of the remaining writes, then requests' parts and fields, keeping each removal after which
the case still fails with the same kind of difference.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from simulator.verify.case import Case, Connect, Disconnect, Step, Write
from simulator.verify.requests import Request
from simulator.verify.run import Failure

Runner = Callable[[Case], Awaitable[Failure | None]]


async def shrink(
    case: Case, failure: Failure, run: Runner, budget: int = 400, seconds: float = 120.0
) -> tuple[Case, Failure]:
    """The smallest case found (within ``budget`` replays and about ``seconds``) that fails
    like ``failure``."""
    wanted = failure.kind()
    tries = 0
    deadline = time.monotonic() + seconds

    async def still_fails(candidate: Case) -> Failure | None:
        nonlocal tries
        tries += 1
        try:
            found = await run(candidate)
        except Exception:  # a candidate the engine cannot even replay is no smaller case
            return None
        return found if found is not None and found.kind()[0] == wanted[0] else None

    progress = True
    while progress and tries < budget and time.monotonic() < deadline:
        progress = False
        for candidate in _candidates(case):
            if tries >= budget or time.monotonic() > deadline:
                break
            found = await still_fails(candidate)
            if found is not None:
                case, failure, progress = candidate, found, True
                break
    return case, failure


def _candidates(case: Case) -> Iterator[Case]:
    yield from _fewer_steps(case)
    yield from _smaller_writes(case)
    yield from _smaller_requests(case)


def _fewer_steps(case: Case) -> Iterator[Case]:
    steps = case.steps
    for size in (len(steps) // 2, 1):
        if size < 1:
            continue
        for start in range(len(steps) - size, -1, -1):
            rest = steps[:start] + steps[start + size :]
            if any(isinstance(s, Connect) for s in rest):
                yield Case(case.requests, _renumbered(steps, start, size), case.seed)


def _renumbered(steps: list[Step], start: int, size: int) -> list[Step]:
    """``steps`` without ``steps[start:start+size]``; departures keep naming the same stream."""
    removed_connects = [i for i in range(start, start + size) if isinstance(steps[i], Connect)]
    result: list[Step] = []
    connects_before = 0
    index_of: dict[int, int] = {}
    for number, step in enumerate(steps):
        if isinstance(step, Connect):
            if number not in removed_connects:
                index_of[connects_before] = len(index_of)
            connects_before += 1
        if start <= number < start + size:
            continue
        if isinstance(step, Disconnect):
            if step.stream not in index_of:
                continue
            step = Disconnect(index_of[step.stream])
        result.append(step)
    return result


def _smaller_writes(case: Case) -> Iterator[Case]:
    for number, step in enumerate(case.steps):
        if not isinstance(step, Write):
            continue
        if step.pause:
            yield _replaced(case, number, Write(step.changes, 0, step.kind))
        keys = sorted(step.changes)
        if len(keys) <= 1:
            continue
        for half in (keys[: len(keys) // 2], keys[len(keys) // 2 :]):
            yield _replaced(
                case,
                number,
                Write({k: step.changes[k] for k in keys if k not in half}, step.pause, step.kind),
            )
        for key in keys:
            yield _replaced(
                case,
                number,
                Write({k: v for k, v in step.changes.items() if k != key}, step.pause, step.kind),
            )


def _replaced(case: Case, number: int, step: Step) -> Case:
    return Case(case.requests, [*case.steps[:number], step, *case.steps[number + 1 :]], case.seed)


def _smaller_requests(case: Case) -> Iterator[Case]:
    for index, request in enumerate(case.requests):
        for smaller in _smaller_request(request):
            requests = list(case.requests)
            requests[index] = smaller
            yield Case(requests, case.steps, case.seed)


def _smaller_request(request: Request) -> Iterator[Request]:
    if request.k:
        keys = request.k.split(",")
        for key in keys if len(keys) > 1 else ():
            yield Request(k=",".join(k for k in keys if k != key))
        return
    parts: list[dict[str, Any]] = json.loads(request.body)
    for index in range(len(parts)) if len(parts) > 1 else ():
        yield Request(body=json.dumps(parts[:index] + parts[index + 1 :]))
    for index, part in enumerate(parts):
        if len(part["ids"]) > 1:
            for id in part["ids"]:
                yield Request(
                    body=json.dumps(_with(parts, index, {**part, "ids": [i for i in part["ids"] if i != id]}))
                )
        for fields in _smaller_fields(part["fields"]):
            yield Request(body=json.dumps(_with(parts, index, {**part, "fields": fields})))


def _with(parts: list[dict[str, Any]], index: int, part: dict[str, Any]) -> list[dict[str, Any]]:
    return [*parts[:index], part, *parts[index + 1 :]]


def _smaller_fields(fields: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``fields`` with one field fewer, a followed relation made plain, or smaller inside."""
    for name, description in fields.items():
        if len(fields) > 1:
            yield {k: v for k, v in fields.items() if k != name}
        if description is not None:
            yield {**fields, name: None}
            for inner in _smaller_fields(description["fields"]):
                yield {**fields, name: {**description, "fields": inner}}
