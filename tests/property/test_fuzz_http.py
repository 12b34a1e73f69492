"""Hostile HTTP requests never crash the service: arbitrary query strings, content types,
multipart bodies and cookies end in a 200 or a clear 4xx with the documented error object."""

from __future__ import annotations

import asyncio
import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from adapters.auth_jwt import FakeAuthenticator
from adapters.http.request import multipart_parts
from adapters.http.service import Service
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.errors import ClientError
from domain.restrict.modes import Unrestricted
from tests.asgi_driver import app_for, call
from tests.fakes import FlatDatastore

FUZZ = settings(max_examples=200, deadline=None)
DATA = {"user/1/id": 1, "user/1/username": "admin", "user/1/meeting_user_ids": [5]}

query_parts = st.sampled_from(
    [
        "k=user/1/username",
        "k=",
        "k=user/1/",
        "k=%FF",
        "position=",
        "position=0",
        "position=1",
        "compress",
        "longpolling",
        "single=0",
        "k=user/1/meeting_user_ids",
        "&",
        "=",
        "%",
        "k=a,b",
    ]
)
queries = st.lists(query_parts | st.text(max_size=30), max_size=4).map("&".join)
content_types = st.sampled_from(
    [
        "",
        "application/json",
        "multipart/form-data",
        "multipart/form-data; boundary=X",
        'multipart/mixed; boundary="X"',
        "MULTIPART/form-data; boundary=",
        "text/plain",
    ]
) | st.text(max_size=40)
multipart_bodies = st.lists(
    st.sampled_from(
        [
            b"--X\r\n",
            b"\r\n",
            b"[]",
            b'[{"collection":"user","ids":[1],"fields":{"id":null}}]',
            b"--X--\r\n",
            b"Content-Type: text/plain\r\n",
            b"Content-Transfer-Encoding: base64\r\n",
            b"e30=",
            b"\xff\xfe",
        ]
    )
    | st.binary(max_size=20),
    max_size=10,
).map(b"".join)


@FUZZ
@given(content_types, multipart_bodies | st.binary(max_size=200))
@example("multipart/;\x1e*", b"")  # found by atheris: IndexError in the stdlib parser
def test_multipart_parser_survives_arbitrary_bodies(content_type: str, body: bytes) -> None:
    try:
        request, state = multipart_parts(content_type, body)
    except ClientError as error:
        assert 400 <= error.status < 500
    else:
        assert isinstance(request, bytes) and isinstance(state, str)


@FUZZ
@example("", "multipart/;\x1e*", b"", "")
@given(queries, content_types, multipart_bodies | st.binary(max_size=200), st.text(max_size=40))
def test_app_answers_arbitrary_requests_with_200_or_a_clear_4xx(
    query: str, content_type: str, body: bytes, cookie: str
) -> None:
    service = Service(
        Autoupdate(Cache(FlatDatastore(DATA)), Unrestricted(), workers=1),
        FakeAuthenticator(),
        max_body_size=1000,
        max_request_depth=3,
    )
    headers = {"cookie": cookie}
    if content_type:
        headers["content-type"] = content_type
    # ``single`` keeps every answer finite; it wins over longpolling and streaming.
    path = f"/system/autoupdate?{query}&single"
    response = asyncio.run(call(app_for(service), "POST", path, body, headers, disconnect_after=1))
    assert response.status == 200 or 400 <= response.status < 500, (response.status, response.body)
    if response.status != 200:
        error = json.loads(response.body)["error"]
        assert isinstance(error["type"], str) and error["type"]
        assert isinstance(error["msg"], str)
