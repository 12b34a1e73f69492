"""The auth service's token refresh, in process, for ``python -m simulator --auth``.

Access tokens live ten minutes; the OpenSlides auth service then issues a new one for a valid
refresh cookie (spec §7.3). The simulator holds the same keys, so it answers that call itself:
this is an httpx transport that the production ``JwtAuthenticator`` asks exactly as it would ask
the real service over the network, and a session keeps working for as long as its cookie does.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

import httpx
import jwt

from simulator.tokens import ACCESS_LIFETIME_SECONDS, access_token

REFRESH_PATH = "/internal/auth/authenticate"
_BEARER = ("bearer%20", "bearer ")


class FakeAuthService(httpx.AsyncBaseTransport):
    """Answers ``POST /internal/auth/authenticate`` with a fresh access token in the
    ``Authentication`` header when the cookie is valid and of the token's session; 403 otherwise."""

    def __init__(
        self, token_key: bytes, cookie_key: bytes, lifetime_seconds: int = ACCESS_LIFETIME_SECONDS
    ) -> None:
        self._token_key = token_key
        self._cookie_key = cookie_key
        self._lifetime = lifetime_seconds

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != REFRESH_PATH:
            return httpx.Response(404, json={"message": "not found"})
        try:
            cookie = jwt.decode(_cookie(request), self._cookie_key, algorithms=["HS256"])
            token = jwt.decode(
                _unprefixed(request.headers.get("authentication", "")),
                self._token_key,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except (jwt.PyJWTError, CookieError) as error:
            return _refused(f"Invalid credentials: {error}")
        user_id, session_id = token.get("userId"), token.get("sessionId")
        if not isinstance(user_id, int) or not isinstance(session_id, str):
            return _refused("The token names no user and session")
        if cookie.get("sessionId") != session_id:
            return _refused("The cookie belongs to another session")
        new = access_token(user_id, session_id, self._token_key, lifetime_seconds=self._lifetime)
        return httpx.Response(200, headers={"Authentication": f"bearer {new}"}, json={"success": True})


def _cookie(request: httpx.Request) -> str:
    jar: SimpleCookie = SimpleCookie()
    jar.load(request.headers.get("cookie", ""))
    morsel = jar.get("refreshId")
    return _unprefixed(morsel.value if morsel is not None else "")


def _unprefixed(value: str) -> str:
    for prefix in _BEARER:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def _refused(message: str) -> httpx.Response:
    return httpx.Response(403, json={"message": message})
