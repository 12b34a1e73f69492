"""The shared restrict vectors end to end through the public HTTP route: the case's data loaded
into the simulator's datastore, the keys requested with ``?k=…&single`` by that user, carrying
development credentials (or none, for public access)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from adapters.auth_jwt import JwtAuthenticator
from adapters.config import DEV_COOKIE_KEY, DEV_TOKEN_KEY
from adapters.http.service import Service
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.restrict.restricter import PermissionRestricter
from simulator.datastore import MemoryDatastore
from simulator.tokens import mint
from tests.asgi_driver import app_for, call
from tests.conformance.vectors import load_vectors

CASES = load_vectors("restrict.json")


def _export(flat: dict[str, Any]) -> dict[str, Any]:
    export: dict[str, Any] = {}
    for key, value in flat.items():
        collection, id, field = key.split("/")
        export.setdefault(collection, {}).setdefault(id, {})[field] = value
    return export


async def _request(case: dict[str, Any]) -> tuple[int, bytes]:
    datastore = MemoryDatastore()
    datastore.load_export(_export(case["data"]))
    authenticator = JwtAuthenticator(DEV_TOKEN_KEY, DEV_COOKIE_KEY, "http://auth.invalid")
    engine = Autoupdate(Cache(datastore), PermissionRestricter(), workers=1)
    headers = {}
    if case["user_id"]:
        credentials = mint(case["user_id"])
        headers = {
            "Authentication": credentials.authentication_header,
            "Cookie": f"refreshId={credentials.cookie}",
        }
    path = "/system/autoupdate?single&k=" + ",".join(case["requested_keys"])
    response = await call(app_for(Service(engine, authenticator)), "GET", path, headers=headers)
    await authenticator.aclose()
    return response.status, response.body


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_restrict_vector_over_http(case: dict[str, Any]) -> None:
    status, body = asyncio.run(_request(case))
    assert status == 200, body
    assert set(json.loads(body)) == set(case["expect_visible"])
