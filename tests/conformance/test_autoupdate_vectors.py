"""The shared autoupdate vectors (upstream connection, single-data and filter tests) run against
the engine: a stream is opened, the datastore changes, and the next message must be as upstream's."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anyio
import pytest

from domain.autoupdate import Autoupdate, Subscription
from domain.cache import Cache
from domain.diff import diff
from domain.keysbuilder import parse_k, parse_single
from domain.restrict.modes import Unrestricted
from domain.restrict.restricter import PermissionRestricter
from domain.values import encode, value_hash
from tests.conformance.vectors import decode_vector_value, load_vectors
from tests.fakes import FlatDatastore

CASES = load_vectors("autoupdate.json")
NO_MESSAGE_WAIT = 0.1


def _decode_map(data: dict[str, Any]) -> dict[str, Any]:
    return {key: decode_vector_value(value) for key, value in data.items()}


def _engine(case: dict[str, Any]) -> tuple[Autoupdate, FlatDatastore]:
    datastore = FlatDatastore(_decode_map(case.get("data", {})))
    restricter = Unrestricted() if case["restricter"] == "allow_all" else PermissionRestricter(rules={})
    return Autoupdate(Cache(datastore), restricter, workers=2), datastore


def _request(case: dict[str, Any]) -> Any:
    if "request_keys" in case:
        return parse_k(",".join(case["request_keys"]))
    return parse_single(json.dumps(case["request"]).encode())


async def _next(subscription: Subscription, wait: float) -> dict[str, Any] | None:
    with anyio.move_on_after(wait):
        return (await subscription.next()).decoded()
    return None


def _check_message(step: dict[str, Any], message: dict[str, Any] | None) -> None:
    if step.get("unasserted"):
        return
    if step.get("expect_delivered") is False:
        assert message is None
        return
    assert message is not None, "no message was delivered"
    if "expect_message" in step:
        assert message == _decode_map(step["expect_message"])
    for key, value in step.get("expect_values", {}).items():
        assert message[key] == decode_vector_value(value)
    for key in step.get("expect_has_keys", []):
        assert key in message
    for key in step.get("expect_lacks_keys", []):
        assert key not in message


async def _run_connection(case: dict[str, Any]) -> None:
    engine, datastore = _engine(case)
    async with engine.running():
        subscription = await engine.subscribe(case["user_id"], _request(case))
        for step in case["steps"]:
            if step.get("disconnect"):
                subscription.close()
                with pytest.raises((anyio.ClosedResourceError, anyio.EndOfStream)):
                    await subscription.next()
                continue
            if "data_update" in step:
                update = _decode_map(step["data_update"])
                datastore.update(update)
                engine.apply_changes(update)
            wait = NO_MESSAGE_WAIT if step.get("expect_delivered") is False else 5.0
            _check_message(step, await _next(subscription, wait))
        await engine.close()


async def _run_single(case: dict[str, Any]) -> None:
    engine, _ = _engine(case)
    async with engine.running():
        message = await engine.single(case["user_id"], _request(case))
        assert message.decoded() == _decode_map(case["expect_single_data"])


def _run_filter(case: dict[str, Any]) -> None:
    state: dict[str, int] = {}
    message: dict[str, bytes | None] = {}
    for call in case["calls"]:
        values = _decode_map(call)
        encoded = {key: None if value is None else encode(value) for key, value in values.items()}
        message, state = diff(state, encoded, value_hash)
    expected = _decode_map(case["expect_last_output"])
    assert {key: None if v is None else json.loads(v) for key, v in message.items()} == expected


@pytest.mark.parametrize("case", CASES, ids=[case["source"].split(":")[1] for case in CASES])
def test_autoupdate_vector(case: dict[str, Any]) -> None:
    if case["kind"] == "filter":
        _run_filter(case)
    elif case["kind"] == "single_data":
        asyncio.run(_run_single(case))
    else:
        asyncio.run(_run_connection(case))
