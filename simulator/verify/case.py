"""A case: requests, and the steps that connect users, write and disconnect.

Cases are plain data (JSON), generated from a seed against the state earlier steps left, so a
failing case, shrunk or not, is printed and replayed as it is.
"""

from __future__ import annotations

import random
from typing import Any

import msgspec

from simulator.verify.requests import Request, random_request
from simulator.verify.users import KINDS, by_kind, kind_of, make_kind, pick_users
from simulator.verify.world import World
from simulator.verify.writes import random_write


class Connect(msgspec.Struct, frozen=True, tag="connect"):
    """A user opens a stream with one of the case's requests."""

    user: int
    request: int
    kind: str = ""
    """The user's kind when the case was made (for reports)."""


class Write(msgspec.Struct, frozen=True, tag="write"):
    """A write through the datastore writer; ``pause``: loop turns until the next step, without
    waiting for the engine (0: let it settle, then compare every stream)."""

    changes: dict[str, Any]
    pause: int = 0
    kind: str = ""
    """What the write is (for reports): visibility, value, relation, create, delete, user kind."""


class Disconnect(msgspec.Struct, frozen=True, tag="disconnect"):
    """The client of the ``stream``-th connection (in connecting order) leaves."""

    stream: int


Step = Connect | Write | Disconnect


class Case(msgspec.Struct):
    requests: list[Request]
    steps: list[Step]
    seed: int = 0

    def writes(self) -> int:
        """The random writes (not those that made users of a kind)."""
        return sum(1 for step in self.steps if isinstance(step, Write) and not step.kind.startswith("make"))


def generate_case(export: dict[str, Any], seed: int, writes: int = 5) -> Case:
    """A case on ``export``: one to three requests, two to six users of random kinds, each on
    one or more requests, then ``writes`` writes with late connections and departures mixed in."""
    rng = random.Random(seed)
    world = World(export)
    requests = [random_request(world, rng) for _ in range(rng.choice((1, 1, 2, 3)))]
    steps: list[Step] = []
    present = by_kind(world)
    for kind in KINDS:  # users of kinds the data lacks are made first, now and then
        if kind not in present and rng.random() < 0.3:
            changes = make_kind(world, rng, kind)
            if changes:
                world.apply(changes)
                steps.append(Write(changes, kind=f"make {kind}"))
    connected = 0
    for user in pick_users(world, rng, rng.randrange(2, 7)):
        for index in rng.sample(range(len(requests)), rng.randrange(1, len(requests) + 1)):
            steps.append(Connect(user, index, kind_of(world, user)))
            connected += 1
    for number in range(writes):
        roll = rng.random()
        if roll < 0.15:
            for user in pick_users(world, rng, rng.randrange(1, 3)):
                steps.append(Connect(user, rng.randrange(len(requests)), kind_of(world, user)))
                connected += 1
        elif roll < 0.22 and connected:
            steps.append(Disconnect(rng.randrange(connected)))
        what, changes = random_write(world, rng)
        world.apply(changes)
        last = number == writes - 1
        steps.append(Write(changes, 0 if last or rng.random() < 0.6 else rng.randrange(1, 6), what))
    return Case(requests, steps, seed)


def encode_case(case: Case) -> bytes:
    return msgspec.json.format(msgspec.json.encode(case), indent=1)


def decode_case(data: bytes) -> Case:
    return msgspec.json.decode(data, type=Case)
