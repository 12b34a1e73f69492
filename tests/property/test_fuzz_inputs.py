"""Hostile input never crashes a parser: every rejection is a ``ClientError`` (a clear 4xx with
the documented error object), never another exception."""

from __future__ import annotations

import asyncio
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.auth_jwt import JwtAuthenticator
from domain.autoupdate.hashstate import decode_state
from domain.errors import AuthError, ClientError
from domain.keysbuilder import parse_k, parse_many, parse_single

FUZZ = settings(max_examples=300, deadline=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
field_names = st.sampled_from(["username", "meeting_user_ids", "organization_id", "title", "x", ""])
descriptions = st.recursive(
    st.none() | json_values,
    lambda children: st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(
                ["relation", "relation-list", "generic-relation", "generic-relation-list", "x"]
            ),
            "collection": st.sampled_from(["user", "meeting_user", "organization", "User", ""]),
            "fields": st.dictionaries(field_names, children, max_size=3) | json_values,
        },
    ),
    max_leaves=10,
)
requests = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "ids": st.lists(st.integers(min_value=-2, max_value=5) | json_values, max_size=3) | json_values,
            "collection": st.sampled_from(["user", "motion", "nope", ""]) | json_values,
            "fields": st.dictionaries(field_names, descriptions, max_size=3) | json_values,
        },
    ),
    max_size=3,
)


def _rejects_cleanly(parse, body) -> None:  # type: ignore[no-untyped-def]
    try:
        parse(body)
    except ClientError as error:
        assert 400 <= error.status < 500
        assert error.type and isinstance(error.msg, str)


@FUZZ
@given(st.binary(max_size=300))
def test_body_parser_survives_arbitrary_bytes(body: bytes) -> None:
    _rejects_cleanly(parse_many, body)
    _rejects_cleanly(parse_single, body)


@FUZZ
@given(requests)
def test_body_parser_survives_structurally_odd_requests(request: object) -> None:
    _rejects_cleanly(parse_many, json.dumps(request).encode())


@FUZZ
@given(st.text(max_size=200))
def test_k_parser_survives_arbitrary_text(k: str) -> None:
    _rejects_cleanly(parse_k, k)


@FUZZ
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.hex()))
def test_longpolling_state_survives_arbitrary_text(state: str) -> None:
    _rejects_cleanly(decode_state, state)


@FUZZ
@given(st.text(max_size=300), st.text(max_size=300))
def test_authenticator_survives_arbitrary_credentials(token: str, cookie: str) -> None:
    async def run() -> None:
        auth = JwtAuthenticator(b"auth-dev-token-key", b"auth-dev-cookie-key", "http://auth.invalid")
        try:
            await auth.authenticate({"authentication": f"bearer {token}"}, {"refreshId": cookie})
        except AuthError as error:
            assert error.status == 403
        finally:
            await auth.aclose()

    asyncio.run(run())
