"""The error object of the wire format: ``{"error": {"type": …, "msg": …}}`` plus ``\\n``."""

from __future__ import annotations

import logging

import msgspec

from domain.errors import ClientError

log = logging.getLogger("autoupdate.http")

INTERNAL_MESSAGE = "Something went wrong on the server. The admin is already informed."


def error_body(type: str, msg: str) -> bytes:
    """Real JSON (every character escaped as JSON requires), newline-terminated (spec A3)."""
    return msgspec.json.encode({"error": {"type": type, "msg": msg}}) + b"\n"


def classify(error: BaseException) -> tuple[int, bytes]:
    """Status and body for an error; unexpected errors are logged and hidden from the client."""
    if isinstance(error, ClientError):
        return error.status, error_body(error.type, error.msg)
    log.error("Error: %s", error, exc_info=error)
    return 500, error_body("InternalError", INTERNAL_MESSAGE)
