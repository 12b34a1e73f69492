"""An unreachable auth service, seen through the HTTP route: a 503 ``auth_unavailable`` with a
message that says so for each request that needs a refresh, and one log line per outage instead
of a traceback per request."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest

from adapters.auth_jwt import JwtAuthenticator
from adapters.config import DEV_COOKIE_KEY, DEV_TOKEN_KEY
from adapters.http.service import Service
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.restrict.restricter import PermissionRestricter
from simulator.tokens import mint
from tests.asgi_driver import Response, app_for, call
from tests.fakes import FlatDatastore

URL = "/system/autoupdate?single&k=user/5/username"


def test_unreachable_auth_service_is_a_503_and_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    reachable = False

    def auth_service(request: httpx.Request) -> httpx.Response:
        if not reachable:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return httpx.Response(200, headers={"Authentication": "bearer new-token"})

    expired = mint(5, lifetime_seconds=-60)
    headers = {"Authentication": expired.authentication_header, "Cookie": f"refreshId={expired.cookie}"}
    authenticator = JwtAuthenticator(
        DEV_TOKEN_KEY, DEV_COOKIE_KEY, "http://auth:9004", transport=httpx.MockTransport(auth_service)
    )
    data = {"user/5/id": 5, "user/5/username": "five"}
    app = app_for(
        Service(Autoupdate(Cache(FlatDatastore(data)), PermissionRestricter(), workers=1), authenticator)
    )

    async def requests() -> list[Response]:
        nonlocal reachable
        answers = [await call(app, "GET", URL, headers=headers) for _ in range(3)]
        reachable = True
        answers.append(await call(app, "GET", URL, headers=headers))
        return answers

    with caplog.at_level(logging.INFO):
        *down, back = asyncio.run(requests())

    for response in down:
        assert response.status == 503
        assert json.loads(response.body) == {
            "error": {
                "type": "auth_unavailable",
                "msg": "can not refresh the access token: can not reach the auth service; try again later",
            }
        }
    assert (back.status, json.loads(back.body)) == (200, {"user/5/username": "five"})
    assert back.headers["authentication"] == "bearer new-token"
    errors = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert len(errors) == 1
    assert errors[0].exc_info is None
    assert (
        "auth service http://auth:9004: can not reach the auth service: ConnectError("
        in errors[0].getMessage()
    )
    assert any("answers again" in record.getMessage() for record in caplog.records)
