"""Encoding of values for the wire, and the stable fingerprints the diff filter compares."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

_encoder = msgspec.json.Encoder()


def encode(value: Any) -> bytes:
    """Compact JSON of a decoded value."""
    return _encoder.encode(value)


def value_hash(encoded: bytes) -> int:
    """A 64-bit fingerprint of an encoded value, stable across processes and never 0.

    Stable because longpolling clients carry these hashes from one request (and instance) to the
    next; 0 is reserved for "known to be empty" in upstream's state format.
    """
    return int.from_bytes(hashlib.blake2b(encoded, digest_size=8).digest(), "little") or 1
