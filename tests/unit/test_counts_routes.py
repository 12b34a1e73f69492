"""The connection-count and metrics routes, called directly with a collecting ``send``, and
their background jobs (spec §3.6, §8.2, §9, A3, A8)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import ExitStack
from typing import Any

import fakeredis
import pytest

from adapters.http.asgi import Message, Send
from adapters.http.counting import LONGPOLLING, STREAM
from adapters.http.counts_routes import connection_count, log_metrics_forever, metrics, save_counts_forever
from adapters.http.request import Request
from adapters.http.service import Service
from adapters.redis_counts import RedisConnectionCounts
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.errors import AuthError
from domain.restrict.modes import Unrestricted
from ports.auth import Identity
from tests.fakes import FlatDatastore

DATA = {
    "user/1/id": 1,
    "user/1/organization_management_level": "superadmin",
    "user/2/id": 2,
    "user/2/meeting_user_ids": [21],
    "user/3/id": 3,
    "meeting/1/meeting_user_ids": [21, 31],
    "meeting_user/21/user_id": 2,
    "meeting_user/21/group_ids": [10],
    "meeting_user/31/user_id": 3,
    "group/10/admin_group_for_meeting_id": 1,
}

Handler = Callable[[Service, Request, Send], Awaitable[None]]


class HeaderAuthenticator:
    """The user id is the ``x-user`` header; ``x-user: bad`` is rejected; ``x-refresh`` is a
    refreshed access token."""

    async def authenticate(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity:
        if headers.get("x-user") == "bad":
            raise AuthError("Invalid auth token")
        return Identity(user_id=int(headers.get("x-user", "0")), refreshed_token=headers.get("x-refresh"))

    async def wait_logout(self, session_id: str) -> None:
        await asyncio.Event().wait()


class Sent:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.messages[0]["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages[1:])


def _service(datastore: FlatDatastore | None = None, **fields: Any) -> Service:
    engine = Autoupdate(Cache(datastore or FlatDatastore(DATA)), Unrestricted(), workers=1)
    return Service(engine, HeaderAuthenticator(), **fields)


def _call(handler: Handler, service: Service, headers: dict[str, str]) -> Sent:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    sent = Sent()

    async def bounded() -> None:
        async with asyncio.timeout(5), service.engine.running():
            await handler(service, Request.from_scope(scope), sent)

    asyncio.run(bounded())
    return sent


def _open(service: Service, *connections: tuple[str, int]) -> ExitStack:
    """Hold the given (kind, user id) connections open on the live counter."""
    stack = ExitStack()
    for kind, user_id in connections:
        stack.enter_context(service.counter.counted(kind, user_id))
    return stack


def test_organization_manager_sees_every_local_count() -> None:
    service = _service()
    with _open(service, (STREAM, 0), (STREAM, 3), (STREAM, 3), (STREAM, 10), (LONGPOLLING, 2)):
        sent = _call(connection_count, service, {"x-user": "1"})
    assert sent.status == 200
    assert sent.headers["content-type"] == "text/plain; charset=utf-8"
    assert sent.body == b'[{"0":1,"10":1,"3":2},{"2":1}]\n'


def test_meeting_admin_sees_members_only_and_the_live_counter_is_untouched() -> None:
    service = _service()
    with _open(service, (STREAM, 0), (STREAM, 3), (STREAM, 9), (LONGPOLLING, 2), (LONGPOLLING, 9)):
        sent = _call(connection_count, service, {"x-user": "2"})
        assert service.counter.snapshot(STREAM) == {0: 1, 3: 1, 9: 1}
        assert service.counter.snapshot(LONGPOLLING) == {2: 1, 9: 1}
    assert json.loads(sent.body) == [{"3": 1}, {"2": 1}]


def test_counts_come_from_the_store_when_one_is_configured() -> None:
    async def saved() -> RedisConnectionCounts:
        store = RedisConnectionCounts(fakeredis.FakeAsyncRedis())
        await store.save(STREAM, "other-instance", {3: 2, 0: 5})
        await store.save(LONGPOLLING, "other-instance", {})
        return store

    service = _service(count_store=asyncio.run(saved()), count_max_age=60)
    with _open(service, (STREAM, 3)):
        sent = _call(connection_count, service, {"x-user": "1"})
    assert sent.body == b'[{"0":5,"3":2},{}]\n'


@pytest.mark.parametrize("handler", [connection_count, metrics])
@pytest.mark.parametrize("user", ["0", "3", "99"])
def test_others_are_not_allowed(handler: Handler, user: str) -> None:
    sent = _call(handler, _service(), {"x-user": user})
    assert (sent.status, sent.body) == (400, b"Connection counting not allowed\n")
    assert sent.headers["content-type"] == "text/plain; charset=utf-8"
    assert sent.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("handler", [connection_count, metrics])
def test_auth_failure_is_a_403_json_error(handler: Handler) -> None:
    sent = _call(handler, _service(), {"x-user": "bad"})
    assert sent.status == 403
    assert json.loads(sent.body) == {"error": {"type": "auth", "msg": "Invalid auth token"}}


def test_datastore_failure_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    datastore = FlatDatastore(DATA)
    datastore.fail = ConnectionError("postgres is down")
    sent = _call(connection_count, _service(datastore), {"x-user": "1"})
    assert (sent.status, sent.body) == (500, b"Counting not possible\n")
    assert "postgres is down" in caplog.text


def test_store_failure_is_a_500() -> None:
    class BrokenStore:
        async def save(self, name: str, instance: str, counts: dict[int, int]) -> None: ...

        async def load(self, name: str, max_age_seconds: float) -> dict[int, int]:
            raise ConnectionError("redis is down")

    sent = _call(connection_count, _service(count_store=BrokenStore()), {"x-user": "1"})
    assert (sent.status, sent.body) == (500, b"Counting not possible\n")


def test_refreshed_token_is_sent_back() -> None:
    sent = _call(connection_count, _service(), {"x-user": "1", "x-refresh": "bearer new"})
    assert sent.headers["authentication"] == "bearer new"


def test_metrics_route_serves_prometheus_text() -> None:
    service = _service()
    with _open(service, (STREAM, 3), (STREAM, 3)):
        sent = _call(metrics, service, {"x-user": "2"})
    assert sent.status == 200
    assert sent.headers["content-type"].startswith("text/plain; version=0.0.4")
    lines = sent.body.decode().splitlines()
    assert "# TYPE autoupdate_connections_stream_current_connections_local gauge" in lines
    assert "autoupdate_connections_stream_current_connections_local 2" in lines
    assert any(line.startswith("autoupdate_runtime_tasks ") for line in lines)


def test_counts_are_saved_every_interval_after_the_first() -> None:
    async def scenario() -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
        store = RedisConnectionCounts(fakeredis.FakeAsyncRedis())
        service = _service(count_store=store)
        with _open(service, (STREAM, 3), (LONGPOLLING, 0)):
            job = asyncio.create_task(save_counts_forever(service, "me", 0.05))
            await asyncio.sleep(0.01)
            before = await store.load(STREAM, 60)
            await asyncio.sleep(0.1)
            job.cancel()
        return before, await store.load(STREAM, 60), await store.load(LONGPOLLING, 60)

    assert asyncio.run(scenario()) == ({}, {3: 1}, {0: 1})


def test_jobs_without_store_or_interval_end_at_once() -> None:
    async def scenario() -> None:
        async with asyncio.timeout(1):
            await save_counts_forever(_service(), "me", 10)
            await log_metrics_forever(_service(), 0)

    asyncio.run(scenario())


def test_metrics_are_logged_every_interval(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        job = asyncio.create_task(log_metrics_forever(_service(), 0.02))
        await asyncio.sleep(0.15)
        job.cancel()

    with caplog.at_level(logging.INFO, logger="autoupdate.metrics"):
        asyncio.run(scenario())
    lines = [r.getMessage() for r in caplog.records if r.name == "autoupdate.metrics"]
    assert len(lines) >= 2
    assert json.loads(lines[0].removeprefix("Metric: "))["connections_stream_current_connections_local"] == 0
