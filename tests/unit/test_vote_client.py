"""The vote-service client against httpx.MockTransport: framing, reset marks, reconnects."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from adapters.vote_client import LIVE_VOTES_PATH, ObjectSplitter, VoteServiceClient, VoteServiceError
from ports.votes import VoteMessage

Handler = Callable[[httpx.Request], httpx.Response]


def _streaming(*chunks: bytes, end: bool = False) -> httpx.Response:
    """A 200 whose body arrives in ``chunks``; unless ``end``, it then stays open for ever."""

    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk
        if not end:
            await asyncio.Event().wait()

    return httpx.Response(200, content=body())


def _collect(handler: Handler, count: int, *, debug: bool = False) -> list[VoteMessage]:
    async def scenario() -> list[VoteMessage]:
        client = VoteServiceClient(
            "http://vote:9013/",
            timeout=1,
            transport=httpx.MockTransport(handler),
            debug=debug,
            retry_delay=0.01,
        )
        stream = client.live_votes()
        try:
            async with asyncio.timeout(5):
                return [await anext(stream) for _ in range(count)]
        finally:
            await stream.aclose()
            await client.aclose()

    return asyncio.run(scenario())


def test_objects_split_across_chunks_and_several_per_chunk() -> None:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return _streaming(b'{}\n{"5": {"42"', b': null}}\n{"6":null}\n{"5":{"43":"a\\', b'"}b"}}\n')

    messages = _collect(handler, 4)
    assert messages == [
        VoteMessage({}, reset=True),
        VoteMessage({5: {"42": None}}),
        VoteMessage({6: None}),
        VoteMessage({5: {"43": 'a"}b'}}),
    ]
    assert [str(r.url) for r in requests] == [f"http://vote:9013{LIVE_VOTES_PATH}"]
    assert requests[0].method == "GET"
    assert requests[0].extensions["timeout"] == {"connect": 1, "read": None, "write": None, "pool": None}


def test_reconnects_after_a_failure_and_marks_the_new_full_state(caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            raise httpx.ConnectError("connection refused", request=request)
        if len(attempts) == 2:
            return httpx.Response(500, text="broken")
        if len(attempts) == 3:
            return _streaming(b'{"1":{"2":"x"}}\n{"1":{"3":null}}\n', end=True)
        return _streaming(b'{"1":{"2":"x"}}\n')

    with caplog.at_level(logging.DEBUG, logger="autoupdate.votes"):
        messages = _collect(handler, 3)
    assert messages == [
        VoteMessage({1: {"2": "x"}}, reset=True),
        VoteMessage({1: {"3": None}}),
        VoteMessage({1: {"2": "x"}}, reset=True),
    ]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "connection refused" in warnings[0]
    assert any("stream ended" in warning for warning in warnings)


def test_invalid_json_reconnects() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return _streaming(b'{"x": 1}\n' if len(calls) == 1 else b'{"7": null}\n')

    assert _collect(handler, 1) == [VoteMessage({7: None}, reset=True)]
    assert len(calls) == 2


def test_debug_prints_upstream_lines(capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return _streaming(b"{}")

    _collect(handler, 1, debug=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "DEBUG: Live Votes: Create connection to vote service",
        "DEBUG: Live Votes: Error with vote service connection: refused",
        "DEBUG: Live Votes: Waiting for reconnect",
    ]


def test_splitter_finds_objects_whatever_the_chunking() -> None:
    objects = [{"1": {"2": 'tricky } { " \\ value', "3": None}}, {}, {"4": None}, {"5": {"6": "ü"}}]
    stream = b"".join(json.dumps(o, ensure_ascii=False).encode() + b"\n" for o in objects)
    stream += b'{"9":null}{"8":{}}'
    expected = [*objects, {"9": None}, {"8": {}}]
    for size in (1, 2, 3, 7, len(stream)):
        splitter = ObjectSplitter()
        found = [
            json.loads(raw)
            for start in range(0, len(stream), size)
            for raw in splitter.feed(stream[start : start + size])
        ]
        assert found == expected, size


def test_splitter_rejects_what_is_not_an_object() -> None:
    with pytest.raises(VoteServiceError):
        ObjectSplitter().feed(b" \n[1]")
