"""Client of the vote service's ``live_votes`` stream (spec §5.9), implementing ``VoteCounts``.

The vote service answers ``GET /internal/vote/live_votes`` with a never-ending stream of
concatenated JSON objects. Chunk boundaries carry no meaning, so a small scanner cuts the bytes
into whole objects before they are decoded. The connection is kept open forever: whenever it
fails or ends, the client waits a second and connects again, and the first message of each
connection is marked as the full state (``reset``). Every decoded message is yielded.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncGenerator
from contextlib import aclosing

import httpx
import msgspec

from ports.votes import VoteMessage

LIVE_VOTES_PATH = "/internal/vote/live_votes"

log = logging.getLogger("autoupdate.votes")

_decoder = msgspec.json.Decoder(dict[int, dict[int, str | None] | None])
_OUTSIDE_STRING = re.compile(rb'[{}"]')
_INSIDE_STRING = re.compile(rb'["\\]')
_NOT_SPACE = re.compile(rb"[^ \t\r\n]")


class VoteServiceError(Exception):
    """The vote service answered with something other than a stream of JSON objects."""


class VoteServiceClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
        debug: bool = False,
        retry_delay: float = 1.0,
    ) -> None:
        """``timeout`` bounds connecting only: the stream itself may stay silent for ever.
        ``debug`` prints upstream's ``DEBUG_HAS_VOTED_USER_IDS`` lines on stdout."""
        self._url = base_url.rstrip("/") + LIVE_VOTES_PATH
        self._debug = debug
        self._retry_delay = retry_delay
        self._client = httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(None, connect=timeout))

    async def live_votes(self) -> AsyncGenerator[VoteMessage, None]:
        """Endless: the messages of one connection after another."""
        failing = False
        while True:
            self._debug_print("Create connection to vote service")
            try:
                async with aclosing(self._connection()) as messages:
                    async for message in messages:
                        if failing:
                            log.info("vote service: connected again")
                            failing = False
                        yield message
                problem = "the live_votes stream ended"
            except (httpx.HTTPError, VoteServiceError, msgspec.DecodeError) as error:
                problem = f"connecting to vote service: {error}"
                self._debug_print(f"Error with vote service connection: {error}")
            (log.debug if failing else log.warning)("vote service: %s; reconnecting", problem)
            failing = True
            self._debug_print("Waiting for reconnect")
            await asyncio.sleep(self._retry_delay)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _connection(self) -> AsyncGenerator[VoteMessage, None]:
        """The messages of one connection; the first one is the full state."""
        async with self._client.stream("GET", self._url) as response:
            if response.status_code != 200:
                raise VoteServiceError(f"{self._url} answered with status {response.status_code}")
            objects = ObjectSplitter()
            reset = True
            async for chunk in response.aiter_bytes():
                for raw in objects.feed(chunk):
                    yield VoteMessage(_polls(_decoder.decode(raw)), reset=reset)
                    reset = False

    def _debug_print(self, text: str) -> None:
        if self._debug:
            print(f"DEBUG: Live Votes: {text}", flush=True)


def _polls(decoded: dict[int, dict[int, str | None] | None]) -> dict[int, dict[str, str | None] | None]:
    """User ids were checked as ints; the state keeps them as the strings of the wire."""
    return {
        poll_id: None if votes is None else {str(user_id): vote for user_id, vote in votes.items()}
        for poll_id, votes in decoded.items()
    }


class ObjectSplitter:
    """Cuts a byte stream of concatenated JSON objects into one ``bytes`` per object.

    It tracks only brace depth and whether it is inside a string (and escapes there), which is
    all it takes to find where a well-formed object ends; decoding checks the rest. Scanning
    resumes where the previous chunk ended, so large objects cost linear time.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._position = 0
        self._depth = 0
        self._in_string = False

    def feed(self, chunk: bytes) -> list[bytes]:
        """The objects completed by ``chunk``. Raises ``VoteServiceError`` for anything but
        whitespace between objects."""
        buffer = self._buffer
        buffer += chunk
        objects: list[bytes] = []
        position = self._position
        while position < len(buffer):
            if self._in_string:
                match = _INSIDE_STRING.search(buffer, position)
                if match is None:
                    position = len(buffer)
                elif match[0] == b'"':
                    self._in_string = False
                    position = match.end()
                elif match.end() < len(buffer):
                    position = match.end() + 1  # skip the escaped character
                else:
                    break  # the escaped character is in the next chunk
            elif self._depth == 0:
                match = _NOT_SPACE.search(buffer, position)
                if match is None:
                    position = len(buffer)
                elif match[0] != b"{":
                    found = bytes(buffer[match.start() : match.start() + 40])
                    raise VoteServiceError(f"expected a JSON object, got {found!r}")
                else:
                    del buffer[: match.start()]
                    self._depth = 1
                    position = 1
            else:
                match = _OUTSIDE_STRING.search(buffer, position)
                position = len(buffer) if match is None else match.end()
                token = b"" if match is None else match[0]
                if token == b'"':
                    self._in_string = True
                elif token == b"{":
                    self._depth += 1
                elif token == b"}":
                    self._depth -= 1
                    if self._depth == 0:
                        objects.append(bytes(buffer[:position]))
                        del buffer[:position]
                        position = 0
        if self._depth == 0:
            del buffer[:position]
            position = 0
        self._position = position
        return objects
