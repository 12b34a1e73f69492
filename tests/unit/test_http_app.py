"""The HTTP layer in-process: modes, framing, errors and limits of ``/system/autoupdate``."""

from __future__ import annotations

import asyncio
import base64
import json
import re

import zstandard

from adapters.auth_jwt import FakeAuthenticator
from adapters.http.service import Service
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.restrict.modes import Unrestricted
from tests.asgi_driver import Response, app_for, call
from tests.fakes import FlatDatastore

DATA = {"user/1/id": 1, "user/1/username": "admin", "user/2/id": 2, "user/2/username": "<b>"}


def _run(method: str, path: str, body: bytes | None = None, **kwargs: object) -> Response:
    service = Service(
        Autoupdate(Cache(FlatDatastore(DATA)), Unrestricted(), workers=1),
        FakeAuthenticator(),
        max_body_size=1000,
        max_request_depth=3,
    )
    return asyncio.run(call(app_for(service), method, path, body, disconnect_after=1, **kwargs))  # type: ignore[arg-type]


def test_single_returns_one_line_and_sets_headers() -> None:
    response = _run("GET", "/system/autoupdate?k=user/1/username,user/3/username&single")
    assert response.status == 200
    assert response.body == b'{"user/1/username":"admin"}\n'
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["cache-control"] == "no-store, max-age=0"


def test_compressed_message_is_zstd_in_unpadded_base64() -> None:
    response = _run("GET", "/system/autoupdate?k=user/2/username&single&compress")
    line = response.body.rstrip(b"\n")
    assert b"=" not in line
    frame = base64.b64decode(line + b"=" * (-len(line) % 4))
    plain = zstandard.ZstdDecompressor().decompressobj().decompress(frame)
    assert json.loads(plain) == {"user/2/username": "<b>"}


def test_method_other_than_get_or_post_is_rejected_before_auth() -> None:
    response = _run("PUT", "/system/autoupdate")
    assert response.status == 400
    assert json.loads(response.body)["error"]["type"] == "invalid_request"


def test_unknown_path_is_404() -> None:
    assert _run("GET", "/system/autoupdate/").status == 404


def test_health() -> None:
    response = _run("POST", "/system/autoupdate/health")
    assert (response.status, response.body) == (200, b'{"healthy": true}\n')


def test_error_bodies_are_real_json_with_newline() -> None:
    response = _run("GET", '/system/autoupdate?k=user/1/name"x\\')
    assert response.status == 400
    assert response.body.endswith(b"\n")
    assert json.loads(response.body) == {
        "error": {"type": "SyntaxError", "msg": 'invalid key: user/1/name"x\\'}
    }


def test_body_over_the_limit_is_a_clear_400() -> None:
    response = _run("POST", "/system/autoupdate", b"[" + b" " * 1100 + b"]")
    assert response.status == 400
    assert "1000 bytes" in json.loads(response.body)["error"]["msg"]


def test_request_deeper_than_the_limit_is_a_clear_400() -> None:
    nested = "null"
    for _ in range(5):
        nested = '{"type":"relation","collection":"user","fields":{"organization_id":' + nested + "}}"
    body = '[{"ids":[1],"collection":"user","fields":{"organization_id":' + nested + "}}]"
    response = _run("POST", "/system/autoupdate", body.encode())
    assert response.status == 400
    assert json.loads(response.body)["error"] == {
        "type": "limit",
        "msg": "request nesting depth exceeds the limit of 3",
    }


def test_stream_error_before_first_byte_gets_its_status() -> None:
    response = _run("GET", "/system/autoupdate", b'[{"ids":[1],"collection":"user","fields":{"nope":null}}]')
    assert response.status == 400
    assert json.loads(response.body)["error"]["msg"] == 'field "nope": user/nope does not exist'


def test_stream_first_message_then_client_leaves() -> None:
    response = _run("GET", "/system/autoupdate?k=user/1/username")
    assert (response.status, response.lines) == (200, [b'{"user/1/username":"admin"}'])


def test_longpolling_multipart_roundtrip() -> None:
    first = _run("GET", "/system/autoupdate?k=user/1/username&longpolling")
    assert first.status == 200
    boundary = re.search("boundary=(.+)", first.headers["content-type"]).group(1)  # type: ignore[union-attr]
    parts = first.body.split(b"--" + boundary.encode())
    assert b'name="data"\r\n\r\n{"user/1/username":"admin"}\n\r\n' in parts[1]
    state = parts[2].split(b"\r\n\r\n", 1)[1].rstrip(b"\r\n")
    body = (
        b'--X\r\nContent-Disposition: form-data; name="request"\r\n\r\n[{"ids":[2],"collection":"user",'
        b'"fields":{"username":null}}]\r\n--X\r\nContent-Disposition: form-data; name="hash"\r\n\r\n'
        + state
        + b"\r\n--X--\r\n"
    )
    headers = {"content-type": "multipart/form-data; boundary=X"}
    second = _run("POST", "/system/autoupdate?k=user/1/username", body, headers=headers)
    assert second.status == 200
    assert b'{"user/2/username":"<b>"}' in second.body


def test_multipart_with_one_part_is_400() -> None:
    body = b'--X\r\nContent-Disposition: form-data; name="request"\r\n\r\n[]\r\n--X--\r\n'
    response = _run(
        "POST", "/system/autoupdate", body, headers={"content-type": "multipart/form-data; boundary=X"}
    )
    assert response.status == 400


def test_malformed_hash_state_is_400() -> None:
    body = b"--X\r\n\r\n[]\r\n--X\r\n\r\nnot-base64!\r\n--X--\r\n"
    response = _run(
        "POST",
        "/system/autoupdate?k=user/1/id",
        body,
        headers={"content-type": "multipart/form-data; boundary=X"},
    )
    assert response.status == 400


def test_internal_route_takes_user_id_from_query() -> None:
    ok = _run("GET", "/internal/autoupdate?user_id=1&k=user/1/username&single")
    assert ok.body == b'{"user/1/username":"admin"}\n'
    bad = _run("GET", "/internal/autoupdate?user_id=x&k=user/1/username&single")
    assert bad.status == 400
    assert json.loads(bad.body)["error"]["msg"] == "user_id has to be an int, not x"


def test_unknown_user_is_403() -> None:
    response = _run("GET", "/internal/autoupdate?user_id=9&k=user/1/username&single")
    assert response.status == 403
    assert json.loads(response.body) == {
        "error": {"type": "auth", "msg": "Your user account does not exist anymore."}
    }
