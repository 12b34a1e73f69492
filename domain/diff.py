"""The diff filter: what a client must be told, given what it was told before.

Semantics of upstream's filter (spec §5.3): a key is sent when its value differs from the last
one sent; a key that had a value and lost it is sent as ``null``; keys never sent (or known to be
empty) that are still empty are not sent; keys no longer requested are forgotten silently, so
a key requested again later is sent again. "Known empty" and "never sent" behave the same, so
the state only keeps keys that currently have a value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")


def diff(
    previous: Mapping[str, T], values: Mapping[str, bytes | None], fingerprint: Callable[[bytes], T]
) -> tuple[dict[str, bytes | None], dict[str, T]]:
    """Return ``(message, state)``: the keys to send, and the state for the next call.

    ``values`` are the encoded values of every requested key (``None``: no value). ``state``
    maps each key with a value to ``fingerprint(value)``.
    """
    message: dict[str, bytes | None] = {}
    state: dict[str, T] = {}
    for key, value in values.items():
        old = previous.get(key)
        if value is None:
            if old is not None:
                message[key] = None
            continue
        mark = fingerprint(value)
        state[key] = mark
        if old is None or old != mark:
            message[key] = value
    return message, state


def same(value: bytes) -> bytes:
    """Fingerprint that keeps the value itself (groups keep values to greet new members)."""
    return value
