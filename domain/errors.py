"""Errors a client can cause; they carry the wire ``type``, message and HTTP status."""

from __future__ import annotations


class ClientError(Exception):
    """An error caused by the request; rendered as ``{"error": {"type": …, "msg": …}}``."""

    type: str = "ClientError"
    status: int = 400

    def __init__(self, msg: str, *, type: str | None = None, status: int | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        if type is not None:
            self.type = type
        if status is not None:
            self.status = status


class InvalidError(ClientError):
    """An invalid keys request (upstream ``keysbuilder.InvalidError``)."""

    type = "SyntaxError"

    def __init__(self, msg: str, fields: tuple[str, ...] = ()) -> None:
        self.reason = msg
        self.fields = fields
        text = f'field "{".".join(fields)}": {msg}' if fields else msg
        super().__init__(text)

    def under(self, field: str) -> InvalidError:
        """The same error seen from one nesting level further out."""
        return InvalidError(self.reason, (field, *self.fields))


class JSONError(ClientError):
    """A body that is not valid JSON."""

    type = "JsonError"


class ValueError_(ClientError):
    """A datastore value of the wrong JSON type where the request follows a relation."""

    type = "ValueError"


class InvalidKeyError(ClientError):
    """A key with an id ≤ 0 reached through a relation list."""

    type = "invalid"


class LimitError(ClientError):
    """A request beyond one of the configured limits (spec A4)."""

    type = "limit"


class AuthError(ClientError):
    """Authentication failed or the session ended."""

    type = "auth"
    status = 403
