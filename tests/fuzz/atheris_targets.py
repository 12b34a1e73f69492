"""Coverage-guided fuzzing (atheris/libFuzzer) of the parsers that read client input.

Run one target until stopped, or for a bounded number of inputs::

    python -m tests.fuzz.atheris_targets keys-request -runs=100000
    python -m tests.fuzz.atheris_targets k -max_total_time=600

Every input must either parse or raise a ``ClientError`` with a 4xx status; any other
exception is a crash, which libFuzzer reports with the input that caused it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import atheris

with atheris.instrument_imports():
    from adapters.http.request import multipart_parts
    from domain.autoupdate.hashstate import decode_state
    from domain.errors import ClientError
    from domain.keysbuilder import parse_k, parse_many, parse_single


def _keys_request(data: bytes) -> None:
    parse_many(data)
    parse_single(data)


def _k(data: bytes) -> None:
    parse_k(atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data)))


def _hash_state(data: bytes) -> None:
    decode_state(atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data)))


def _multipart(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    content_type = provider.ConsumeBytes(provider.ConsumeIntInRange(0, 60)).decode("latin-1")
    multipart_parts(content_type, provider.ConsumeBytes(len(data)))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "keys-request": _keys_request,
    "k": _k,
    "hash-state": _hash_state,
    "multipart": _multipart,
}


def _checked(target: Callable[[bytes], None]) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        try:
            target(data)
        except ClientError as error:
            if not 400 <= error.status < 500:
                raise AssertionError(f"rejection with status {error.status}") from error

    return run


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python -m tests.fuzz.atheris_targets {{{'|'.join(TARGETS)}}} [libFuzzer options]")
    name = sys.argv.pop(1)
    atheris.Setup(sys.argv, _checked(TARGETS[name]))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
