"""Authentication with the OpenSlides auth service's tokens (spec §7, Part A3).

A request carries an access token (header ``Authentication: bearer <jwt>``) and a refresh
cookie (``refreshId``). Both are HMAC-signed JWTs checked locally; only an expired access token
costs a call to the auth service, which issues a new one.
"""

from __future__ import annotations

import http.cookiejar
import logging
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx
import jwt
import msgspec

from adapters.logouts import LoggedOutSessions, wait_forever
from domain.errors import AuthError, ClientError
from ports.auth import Identity

log = logging.getLogger("autoupdate.auth")

ALGORITHMS = ["HS256", "HS384", "HS512"]
"""The auth service signs with HS256; other HMAC variants verify as upstream; nothing else does."""

PUBLIC = Identity(user_id=0)

_BEARER = "bearer "
_REFRESH_PATH = "/internal/auth/authenticate"

# The keys are OpenSlides' own (the development keys are short); warning on every request helps nobody.
warnings.filterwarnings("ignore", category=jwt.InsecureKeyLengthWarning)


class AuthServiceError(ClientError):
    """The auth service could not be asked, or answered strangely. Not the client's fault, but
    the client is told what happened (503 ``auth_unavailable``: try again later) instead of
    getting an opaque internal error; the authenticator logs the outage itself, once."""

    type = "auth_unavailable"
    status = 503

    def __init__(self, reason: str, cause: str = "") -> None:
        super().__init__(f"can not refresh the access token: {reason}; try again later")
        self.reason = reason
        self.detail = f"{reason}: {cause}" if cause else reason
        """The reason with its cause, for the log."""


class _Claims(msgspec.Struct):
    user_id: int = msgspec.field(default=0, name="userId")
    session_id: str = msgspec.field(default="", name="sessionId")


class _RefreshAnswer(msgspec.Struct):
    message: str = ""


def access_token(headers: Mapping[str, str]) -> str | None:
    """The JWT of the ``Authentication`` header; None without the exact ``bearer `` prefix."""
    for name, value in headers.items():
        if name.lower() == "authentication":
            return value[len(_BEARER) :] if value.startswith(_BEARER) else None
    return None


def refresh_cookie(cookies: Mapping[str, str]) -> str | None:
    """The JWT of the ``refreshId`` cookie; None if it is missing or empty."""
    value = cookies.get("refreshId", "")
    for prefix in ("bearer%20", _BEARER):
        if value.startswith(prefix):
            return value[len(prefix) :] or None
    return value or None


class JwtAuthenticator:
    """The production authenticator. ``transport`` replaces the network and ``clock`` the time
    of logouts, in tests."""

    def __init__(
        self,
        token_key: bytes,
        cookie_key: bytes,
        auth_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_key = token_key
        self._cookie_key = cookie_key
        self._logouts = LoggedOutSessions(clock)
        # Cookies the auth service sets must never leak into another user's refresh.
        no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._client = httpx.AsyncClient(base_url=auth_url, transport=transport, cookies=no_cookies)
        self._auth_url = auth_url
        self._outage: str | None = None
        """Why the auth service failed the last refresh; each new reason is logged once."""

    async def aclose(self) -> None:
        await self._client.aclose()

    async def authenticate(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity:
        token, cookie = access_token(headers), refresh_cookie(cookies)
        if token is None and cookie is None:
            return PUBLIC
        if cookie is None:
            raise AuthError("Can not find auth cookie")
        if token is None:
            raise AuthError("Can not find auth token")
        try:
            _decode(cookie, self._cookie_key)
        except jwt.PyJWTError:
            raise AuthError("Invalid auth token") from None
        claims, expired = self._claims(token)
        if claims.user_id and claims.session_id in self._logouts:
            raise AuthError("invalid session")
        refreshed = await self._refresh(token, cookie) if expired else None
        if not claims.user_id:
            return Identity(user_id=0, refreshed_token=refreshed)
        return Identity(user_id=claims.user_id, session_id=claims.session_id, refreshed_token=refreshed)

    def feed_logouts(self, session_ids: Iterable[str]) -> None:
        """Sessions from the ``logout`` stream: their open requests end, new ones are refused."""
        self._logouts.add(session_ids)

    async def wait_logout(self, session_id: str) -> None:
        await self._logouts.wait(session_id)

    def _claims(self, token: str) -> tuple[_Claims, bool]:
        """The token's claims, and whether it is expired (or not valid yet) and needs a refresh."""
        try:
            try:
                return msgspec.convert(_decode(token, self._token_key), _Claims), False
            except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError):
                payload = _decode(token, self._token_key, check_time=False)
                return msgspec.convert(payload, _Claims), True
        except (jwt.PyJWTError, msgspec.ValidationError):
            raise AuthError("Invalid auth token") from None

    async def _refresh(self, token: str, cookie: str) -> str:
        """A new access token from the auth service, in the form ``bearer <jwt>``."""
        try:
            new_token = await self._ask_auth_service(token, cookie)
        except AuthServiceError as error:
            if self._outage != error.reason:
                log.error(
                    "auth service %s: %s; expired access tokens get 503 auth_unavailable until it answers",
                    self._auth_url,
                    error.detail,
                )
            self._outage = error.reason
            raise
        if self._outage is not None:
            log.info("auth service %s answers again", self._auth_url)
            self._outage = None
        return new_token

    async def _ask_auth_service(self, token: str, cookie: str) -> str:
        try:
            response = await self._client.post(
                _REFRESH_PATH,
                # The form the auth service itself sets and browsers send back.
                headers={"Authentication": _BEARER + token, "Cookie": f"refreshId=bearer%20{cookie}"},
            )
        except httpx.HTTPError as error:
            raise AuthServiceError("can not reach the auth service", repr(error)) from None
        if response.status_code == 403:
            raise AuthError("Invalid Session")
        if response.status_code != 200:
            raise AuthServiceError(f"auth-service returned status {response.status_code}")
        new_token: str | None = response.headers.get("Authentication")
        if new_token:
            return new_token
        try:
            answer = msgspec.json.decode(response.content, type=_RefreshAnswer)
        except msgspec.DecodeError as error:
            raise AuthServiceError("auth-service sent an unreadable answer", str(error)) from None
        raise AuthError(answer.message or "Can not refresh token")


def _decode(encoded: str, key: bytes, *, check_time: bool = True) -> dict[str, Any]:
    """Verify the signature (always) and the time claims the token has (unless told not to).
    Other registered claims are not checked, as upstream."""
    payload: dict[str, Any] = jwt.decode(
        encoded,
        key,
        algorithms=ALGORITHMS,
        options={
            "verify_exp": check_time,
            "verify_nbf": check_time,
            "verify_iat": check_time,
            "verify_aud": False,
            "verify_iss": False,
            "verify_sub": False,
            "verify_jti": False,
        },
    )
    return payload


class FakeAuthenticator:
    """``AUTH_FAKE``: every request is user 1 and is never logged out."""

    async def authenticate(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity:
        return Identity(user_id=1)

    async def wait_logout(self, session_id: str) -> None:
        await wait_forever()


class DefaultUserAuthenticator:
    """For the simulator: a request without token and cookie is ``default_user_id`` instead of
    public access; a request with either is checked by ``inner``."""

    def __init__(self, inner: JwtAuthenticator, default_user_id: int = 1) -> None:
        self._inner = inner
        self._default = Identity(user_id=default_user_id)

    async def authenticate(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity:
        if access_token(headers) is None and refresh_cookie(cookies) is None:
            return self._default
        return await self._inner.authenticate(headers, cookies)

    async def wait_logout(self, session_id: str) -> None:
        await self._inner.wait_logout(session_id)
