"""The operational routes as wired in the app: connection counts (both paths) and metrics."""

from __future__ import annotations

import asyncio
import json

from adapters.auth_jwt import FakeAuthenticator
from adapters.http.service import Service
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.restrict.restricter import PermissionRestricter
from tests.asgi_driver import Response, app_for, call
from tests.fakes import FlatDatastore


def _get(path: str, level: str | None) -> Response:
    data = {"user/1/id": 1, "user/1/username": "a"}
    if level:
        data["user/1/organization_management_level"] = level
    service = Service(
        Autoupdate(Cache(FlatDatastore(data)), PermissionRestricter(), workers=1), FakeAuthenticator()
    )

    async def run() -> Response:
        app = app_for(service)
        await call(app, "GET", "/system/autoupdate?k=user/1/username", disconnect_after=1)
        return await call(app, "GET", path)

    return asyncio.run(run())


def test_connection_count_on_both_paths_for_organization_managers() -> None:
    for path in ("/system/autoupdate/connection_count", "/service/autoupdate/connection_count"):
        response = _get(path, "can_manage_organization")
        assert response.status == 200
        assert json.loads(response.body) == [{"1": 0}, {}]


def test_connection_count_refused_for_ordinary_users() -> None:
    response = _get("/system/autoupdate/connection_count", None)
    assert (response.status, response.body) == (400, b"Connection counting not allowed\n")


def test_metrics_in_prometheus_text() -> None:
    response = _get("/system/autoupdate/metrics", "superadmin")
    assert response.status == 200
    assert b"# TYPE autoupdate_connections_stream_current_connections_local gauge" in response.body


def test_internal_routes_can_be_switched_off() -> None:
    datastore = FlatDatastore({"user/1/id": 1, "user/1/username": "a"})
    engine = Autoupdate(Cache(datastore), PermissionRestricter(), workers=1)
    service = Service(engine, FakeAuthenticator(), internal_routes=False)
    path = "/internal/autoupdate?user_id=1&k=user/1/username&single"
    assert asyncio.run(call(app_for(service), "GET", path)).status == 404
    service.internal_routes = True
    assert asyncio.run(call(app_for(service), "GET", path)).status == 200
