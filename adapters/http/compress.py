"""The ``compress`` framing: each message a zstd frame, base64 without padding, plus ``\\n``."""

from __future__ import annotations

import base64

import zstandard

from domain.autoupdate import Message

_compressor = zstandard.ZstdCompressor()


def compress_line(line: bytes) -> bytes:
    encoded = base64.b64encode(_compressor.compress(line)).rstrip(b"=")
    return encoded + b"\n"


def wire_line(message: Message, compress: bool) -> bytes:
    """The bytes of a message on the wire; the compressed form is built once per message."""
    if not compress:
        return message.line
    line = message.derived.get("zstd")
    if line is None:
        line = message.derived["zstd"] = compress_line(message.line)
    return line
