"""Development credentials verify with the development secrets, as the auth adapter checks them."""

from __future__ import annotations

import shlex

import jwt
import pytest

from simulator.tokens import DEV_COOKIE_KEY, DEV_TOKEN_KEY, mint

pytestmark = pytest.mark.filterwarnings("ignore:The HMAC key is")


def decode(token: str, key: str) -> dict[str, object]:
    return jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})


def test_development_keys_are_the_upstream_strings() -> None:
    assert DEV_TOKEN_KEY == "auth-dev-token-key"
    assert DEV_COOKIE_KEY == "auth-dev-cookie-key"


def test_access_token_carries_user_session_and_lifetime() -> None:
    credentials = mint(7, session_id="s1", lifetime_seconds=60, now=1_000_000)
    scheme, token = credentials.authentication_header.split(" ")
    assert scheme == "bearer"
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert decode(token, DEV_TOKEN_KEY) == {
        "userId": 7,
        "sessionId": "s1",
        "iat": 1_000_000,
        "exp": 1_000_060,
    }


def test_refresh_cookie_is_signed_with_the_cookie_key_and_lives_a_day() -> None:
    credentials = mint(7, session_id="s1", now=1_000_000)
    assert credentials.cookie.startswith("bearer%20")
    claims = decode(credentials.cookie.removeprefix("bearer%20"), DEV_COOKIE_KEY)
    assert claims == {"sessionId": "s1", "userId": 7, "exp": 1_000_000 + 86_400}
    with pytest.raises(jwt.InvalidSignatureError):
        decode(credentials.cookie.removeprefix("bearer%20"), DEV_TOKEN_KEY)


def test_fresh_tokens_verify_now_and_get_distinct_sessions() -> None:
    first, second = mint(1), mint(1)
    claims = jwt.decode(
        first.authentication_header.removeprefix("bearer "), DEV_TOKEN_KEY, algorithms=["HS256"]
    )
    assert claims["userId"] == 1
    assert first.session_id != second.session_id


def test_expired_token_is_rejected() -> None:
    credentials = mint(1, now=1_000_000)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(
            credentials.authentication_header.removeprefix("bearer "), DEV_TOKEN_KEY, algorithms=["HS256"]
        )


def test_other_keys_can_be_used() -> None:
    credentials = mint(3, token_key="t" * 32, cookie_key="c" * 32)
    assert decode(credentials.authentication_header.removeprefix("bearer "), "t" * 32)["userId"] == 3
    assert decode(credentials.cookie.removeprefix("bearer%20"), "c" * 32)["userId"] == 3


def test_curl_args_are_the_header_and_the_cookie() -> None:
    credentials = mint(2)
    argv = shlex.split(" ".join(credentials.curl_args()))
    assert argv == [
        "-H",
        f"Authentication: {credentials.authentication_header}",
        "-b",
        f"refreshId={credentials.cookie}",
    ]
