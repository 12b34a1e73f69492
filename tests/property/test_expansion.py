"""An :class:`Expansion` changed step by step holds the keys a fresh :func:`resolve` finds.

Random generated meetings, the client's meeting request, and random sequences of relation
edits (ids added, dropped, reordered, pointed elsewhere or at nothing, relations emptied):
after every batch the expansion's keys, and the keys it reports as added and removed, match
resolving from scratch.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.keysbuilder import parse_many, resolve
from domain.keysbuilder.expansion import Expansion
from domain.reader import FlatSource, Reader
from domain.schema import field
from simulator.requests import meeting_request
from tests.builders import generated_meeting

MAX_KEYS = 1_000_000


def _relation_keys(data: dict[str, Any]) -> list[str]:
    keys = []
    for key in sorted(data):
        collection, _, name = key.split("/")
        described = field(collection, name)
        if described is not None and described.is_relation:
            keys.append(key)
    return keys


def _ids(data: dict[str, Any], collection: str) -> list[int]:
    return sorted({int(key.split("/")[1]) for key in data if key.startswith(f"{collection}/")}) or [1]


def _edit(data: dict[str, Any], key: str, rng: random.Random) -> Any:
    """A new value for a relation key, of the right type (or no value)."""
    collection, _, name = key.split("/")
    described = field(collection, name)
    assert described is not None
    if rng.random() < 0.15:
        return None
    target = described.to[rng.randrange(len(described.to))].partition("/")[0]
    ids = _ids(data, target)
    if described.type == "relation":
        return rng.choice([*ids, ids[-1] + 1])
    if described.type == "generic-relation":
        return f"{target}/{rng.choice(ids)}"
    old = list(data.get(key) or [])
    choice = rng.randrange(4)
    if choice == 0 and old:
        old.pop(rng.randrange(len(old)))
    elif choice == 1:
        rng.shuffle(old)
    elif choice == 2:
        old = rng.sample(ids, min(len(ids), rng.randrange(4)))
    if described.type == "generic-relation-list":
        return list(dict.fromkeys(f"{target}/{id}" if isinstance(id, int) else id for id in old))
    return [id for id in old if isinstance(id, int)] + [rng.choice(ids)] * (choice == 3)


def _resolved(request: Any, data: dict[str, Any]) -> set[str]:
    return set(resolve(request, Reader(FlatSource(data)), max_keys=MAX_KEYS))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(min_value=1, max_value=4), rng=st.randoms(use_true_random=False))
def test_expansion_follows_relation_edits_like_a_fresh_resolve(seed: int, rng: random.Random) -> None:
    data = dict(generated_meeting(seed))
    request = parse_many(meeting_request())
    relations = _relation_keys(data)
    expansion = Expansion()
    expansion.start(request, Reader(FlatSource(data)).get_many, MAX_KEYS)
    added, removed = expansion.settle()
    assert set(expansion.keys) == added == _resolved(request, data)
    assert not removed
    for _ in range(8):
        before = set(expansion.keys)
        changes = {key: _edit(data, key, rng) for key in rng.sample(relations, rng.randrange(1, 5))}
        data.update(changes)
        data = {key: value for key, value in data.items() if value is not None}
        working = expansion.copy()
        working.change(changes, Reader(FlatSource(data)).get_many, MAX_KEYS)
        added, removed = working.settle()
        now = _resolved(request, data)
        assert set(working.keys) == now, changes
        assert (added, removed) == (now - before, before - now)
        expansion = working


def test_a_discarded_copy_leaves_the_expansion_as_it_was() -> None:
    data = dict(generated_meeting(1))
    request = parse_many(meeting_request())
    expansion = Expansion()
    expansion.start(request, Reader(FlatSource(data)).get_many, MAX_KEYS)
    before = set(expansion.keys)
    lists = [key for key in _relation_keys(data) if key.endswith("/speaker_ids") and data[key]]
    working = expansion.copy()
    working.change({lists[0]: []}, Reader(FlatSource({**data, lists[0]: []})).get_many, MAX_KEYS)
    assert set(working.keys) < before
    assert set(expansion.keys) == before
