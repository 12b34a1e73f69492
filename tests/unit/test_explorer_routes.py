"""The explorer's routes through the app: page and assets, user search, schema, and writes that
exist only where the composition root gave the service a writer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from adapters.auth_jwt import FakeAuthenticator
from adapters.http.service import Service
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.restrict.restricter import PermissionRestricter
from domain.schema import COLLECTIONS
from tests.asgi_driver import Response, app_for, call
from tests.fakes import FlatDatastore

DATA = {"organization/1/user_ids": [1], "user/1/id": 1, "user/1/username": "admin"}


class RecordingWriter:
    def __init__(self) -> None:
        self.written: list[Mapping[str, Any]] = []

    async def write(self, changes: Mapping[str, Any]) -> str:
        self.written.append(dict(changes))
        return f"{len(self.written)}-0"


def service(**options: Any) -> Service:
    engine = Autoupdate(Cache(FlatDatastore(DATA)), PermissionRestricter(), workers=1)
    return Service(engine, FakeAuthenticator(), **options)


def request(target: Service, method: str, path: str, body: bytes | None = None) -> Response:
    return asyncio.run(call(app_for(target), method, path, body))


def error(response: Response) -> tuple[int, str]:
    return response.status, json.loads(response.body)["error"]["type"]


def test_the_page_and_its_assets_are_served() -> None:
    page = request(service(), "GET", "/internal/autoupdate/explorer")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert b'<script type="module" src="explorer/app.js">' in page.body
    script = request(service(), "GET", "/internal/autoupdate/explorer/app.js")
    assert script.status == 200 and script.headers["content-type"].startswith("text/javascript")
    vendored = request(service(), "GET", "/internal/autoupdate/explorer/vendor/@codemirror/view/index.js")
    assert vendored.status == 200
    assert (
        request(service(), "GET", "/internal/autoupdate/explorer/vendor/@codemirror/view/LICENSE").status
        == 200
    )


def test_only_shipped_assets_are_served() -> None:
    for path in (
        "explorer/nope.js",
        "explorer/../explorer/routes.py",
        "explorer/%2e%2e/routes.py",
        "explorerx",
    ):
        assert request(service(), "GET", f"/internal/autoupdate/{path}").status == 404, path
    slash = request(service(), "GET", "/internal/autoupdate/explorer/")
    assert (slash.status, slash.headers["location"]) == (308, "/internal/autoupdate/explorer")


def test_every_explorer_route_is_off_with_the_internal_routes() -> None:
    off = service(internal_routes=False, writer=RecordingWriter())
    for path in ("explorer", "explorer/app.js", "users", "schema", "write"):
        assert request(off, "GET", f"/internal/autoupdate/{path}").status == 404, path


def test_users_are_searched_by_name_and_role() -> None:
    found = json.loads(request(service(), "GET", "/internal/autoupdate/users?q=adm").body)
    assert [user["user_id"] for user in found] == [1]
    anonymous = json.loads(request(service(), "GET", "/internal/autoupdate/users?role=anonymous").body)
    assert [user["user_id"] for user in anonymous] == [0]


def test_bad_user_searches_are_clear_errors() -> None:
    assert error(request(service(), "GET", "/internal/autoupdate/users?role=king")) == (
        400,
        "invalid_request",
    )
    for limit in ("0", "x", "1000"):
        response = request(service(), "GET", f"/internal/autoupdate/users?limit={limit}")
        assert error(response) == (400, "invalid_request"), limit


def test_the_schema_has_every_collection_with_field_types_and_relation_targets() -> None:
    schema = json.loads(request(service(), "GET", "/internal/autoupdate/schema").body)
    assert schema.keys() == COLLECTIONS.keys()
    assert schema["motion"]["title"] == {"type": "string"}
    assert schema["motion"]["submitter_ids"] == {
        "type": "relation-list",
        "to": ["motion_submitter/motion_id"],
    }


def test_without_a_writer_there_is_no_write_route() -> None:
    response = request(service(), "POST", "/internal/autoupdate/write", b'{"user/1/username": "x"}')
    assert response.status == 404


def test_a_write_goes_to_the_writer() -> None:
    writer = RecordingWriter()
    response = request(
        service(writer=writer), "POST", "/internal/autoupdate/write", b'{"user/1/username": "x"}'
    )
    assert response.status == 200
    assert json.loads(response.body) == {"id": "1-0", "keys": ["user/1/username"]}
    assert writer.written == [{"user/1/username": "x"}]


def test_bad_writes_are_refused_with_the_reason() -> None:
    writer = RecordingWriter()
    target = service(writer=writer)
    cases = {
        b"{": (400, "JsonError"),
        b"[]": (400, "invalid_request"),
        b"{}": (400, "invalid_request"),
        b'{"user/1": 1}': (400, "invalid_request"),
        b'{"user/1/no_such_field": 1}': (400, "invalid_request"),
        b'{"user/0/username": "x"}': (400, "invalid_request"),
    }
    for body, expected in cases.items():
        assert error(request(target, "POST", "/internal/autoupdate/write", body)) == expected, body
    assert error(request(target, "GET", "/internal/autoupdate/write")) == (405, "invalid_request")
    assert writer.written == []
