"""The longpolling hash state: this service's own opaque encoding (spec A3).

The client carries it between polls: which keys it holds, with a 64-bit fingerprint of each
value. msgpack, zlib-compressed, base64; a malformed state is a client error.
"""

from __future__ import annotations

import base64
import binascii
import zlib

import msgspec

from domain.errors import InvalidError

MAX_STATE_BYTES = 256 * 1024 * 1024
"""Upper bound for the decompressed state, so a hostile state cannot exhaust memory."""

_decoder = msgspec.msgpack.Decoder(dict[str, int])


def encode_state(state: dict[str, int]) -> str:
    return base64.b64encode(zlib.compress(msgspec.msgpack.encode(state), 1)).decode("ascii")


def decode_state(text: str) -> dict[str, int]:
    """The state a client sent back; empty text is the first poll."""
    if not text.strip():
        return {}
    try:
        compressed = base64.b64decode(text.strip(), validate=True)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(compressed, MAX_STATE_BYTES)
        if inflater.unconsumed_tail:
            raise InvalidError("invalid hash state: too large")
        return _decoder.decode(raw)
    except (binascii.Error, zlib.error, msgspec.DecodeError, ValueError) as error:
        raise InvalidError("invalid hash state") from error
