"""Random keys requests over the whole data model.

Any collection, any field, all four relation types followed to a depth of three, as ``k=``
keys or as bodies, with ids that exist and a few that do not. A request is kept as the text a
client would send (the ``k`` value or the JSON body), so a failing case replays as it was.
"""

from __future__ import annotations

import json
import random
from typing import Any

import msgspec

from domain.keysbuilder import KeysRequest, parse_k, parse_many
from meta.schema import COLLECTIONS
from simulator.requests import client_meeting_request
from simulator.verify.world import World

MAX_DEPTH = 3


class Request(msgspec.Struct, frozen=True):
    """A keys request as sent: ``k`` keys (comma separated) or a JSON body."""

    k: str = ""
    body: str = ""

    def parsed(self) -> KeysRequest:
        if self.body:
            return parse_many(self.body.encode())
        return parse_k(self.k)


def random_request(world: World, rng: random.Random) -> Request:
    roll = rng.random()
    if roll < 0.08 and world.get("meeting", 1) is not None:  # the web client's meeting request
        return Request(body=client_meeting_request().decode())
    if roll < 0.35:
        keys = [_random_key(world, rng) for _ in range(rng.randrange(1, 8))]
        return Request(k=",".join(dict.fromkeys(keys)))
    parts = [_part(world, rng) for _ in range(rng.randrange(1, 3))]
    return Request(body=json.dumps(parts))


def _collection(world: World, rng: random.Random) -> str:
    present = [c for c in sorted(COLLECTIONS) if world.ids(c)]
    return rng.choice(present if rng.random() < 0.9 else sorted(COLLECTIONS))


def _ids(world: World, rng: random.Random, collection: str) -> list[int]:
    existing = world.ids(collection)
    ids = rng.sample(existing, min(len(existing), rng.randrange(1, 4))) if existing else []
    if not ids or rng.random() < 0.1:
        ids.append(max(existing, default=0) + rng.randrange(1, 3))
    return ids


def _random_key(world: World, rng: random.Random) -> str:
    collection = _collection(world, rng)
    name = rng.choice(sorted(COLLECTIONS[collection]))
    return f"{collection}/{_ids(world, rng, collection)[0]}/{name}"


def _part(world: World, rng: random.Random) -> dict[str, Any]:
    collection = _collection(world, rng)
    return {
        "ids": _ids(world, rng, collection),
        "collection": collection,
        "fields": _fields(rng, [collection], 1),
    }


def _fields(rng: random.Random, collections: list[str], depth: int) -> dict[str, Any]:
    """Fields valid in any of ``collections`` (a generic relation reaches several)."""
    names = sorted({name for c in collections for name in COLLECTIONS[c]})
    relations = [n for n in names if any(_relation(c, n) for c in collections)]
    chosen = set(rng.sample(names, min(len(names), rng.randrange(1, 6))))
    if relations and depth < MAX_DEPTH:
        chosen.update(rng.sample(relations, min(len(relations), rng.randrange(0, 3))))
    fields: dict[str, Any] = {}
    for name in sorted(chosen):
        field = next((COLLECTIONS[c][name] for c in collections if name in COLLECTIONS[c]), None)
        if field is None or not field.is_relation or depth >= MAX_DEPTH or rng.random() < 0.3:
            fields[name] = None
            continue
        targets = sorted({to.partition("/")[0] for to in field.to})
        description: dict[str, Any] = {"type": field.type}
        if not field.is_generic:
            description["collection"] = targets[0]
        description["fields"] = _fields(rng, targets, depth + 1)
        fields[name] = description
    return fields


def _relation(collection: str, name: str) -> bool:
    field = COLLECTIONS[collection].get(name)
    return field is not None and field.is_relation
