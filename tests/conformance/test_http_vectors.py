"""The shared HTTP vectors (upstream http_test.go) against the real ASGI app.

Upstream's handler tests use a mock connecter that yields ``{"user/1/username": "bar"}`` and
then cancels the request. Here the app runs on a datastore holding exactly that value, and the
client leaves after the first message.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from adapters.auth_jwt import FakeAuthenticator
from adapters.http.service import Service
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.restrict.modes import Unrestricted
from tests.asgi_driver import app_for, call
from tests.conformance.vectors import load_vectors
from tests.fakes import FlatDatastore

CASES = load_vectors("http.json")


def _service() -> Service:
    datastore = FlatDatastore({"user/1/id": 1, "user/1/username": "bar"})
    return Service(Autoupdate(Cache(datastore), Unrestricted(), workers=1), FakeAuthenticator())


def _field(document: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        document = document[part]
    return document


@pytest.mark.parametrize("case", CASES, ids=[case["source"].split(":")[1] for case in CASES])
def test_http_vector(case: dict[str, Any]) -> None:
    request = case["request"]
    body = None if request["body"] is None else request["body"].encode()
    response = asyncio.run(
        call(
            app_for(_service()),
            request["method"],
            request["path"],
            body,
            request["headers"],
            disconnect_after=1,
        )
    )
    expect = case["expect"]
    assert response.status == expect["status"]
    if "body" in expect:
        assert response.body.decode() == expect["body"]
    for path, value in expect.get("body_json_fields", {}).items():
        assert _field(json.loads(response.body), path) == value
