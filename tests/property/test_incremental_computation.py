"""``domain.autoupdate.incremental`` directly: a computation continued change by change equals
a computation from scratch on the changed data (DESIGN §4), for random users and random
schema-consistent writes of the stream-consistency checker (``simulator.verify``)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.autoupdate.incremental import Computed, after_changes, from_scratch
from domain.keysbuilder import KeysRequest
from domain.reader import FlatSource, Reader
from domain.restrict.restricter import PermissionRestricter
from simulator.verify.requests import random_request
from simulator.verify.world import World
from simulator.verify.writes import random_write
from tests.consistency.cases import generated

MAX_KEYS = 1_000_000
RESTRICTER = PermissionRestricter()


def _flat(world: World) -> dict[str, Any]:
    return {
        f"{collection}/{id}/{name}": value
        for collection, objects in world.objects.items()
        for id, obj in objects.items()
        for name, value in obj.items()
    }


def _scratch(world: World, user: int, request: KeysRequest) -> Computed:
    return from_scratch(Reader(FlatSource(_flat(world))), RESTRICTER, user, request, MAX_KEYS)


@settings(max_examples=40, deadline=None)
@given(user=st.integers(min_value=0, max_value=30), rng=st.randoms(use_true_random=False))
def test_continued_computation_equals_computation_from_scratch(user: int, rng: random.Random) -> None:
    world = World(generated())
    request = random_request(world, rng).parsed()
    computed = _scratch(world, user, request)
    view = dict(computed.values)
    for _ in range(8):
        _, changes = random_write(world, rng)
        world.apply(changes)
        if user and world.get("user", user) is None:
            return  # the user was deleted: a fresh request is an error, nothing to compare
        data = _flat(world)
        step = after_changes(Reader(FlatSource(data)), RESTRICTER, user, computed.kept, changes, MAX_KEYS)
        if step is None:  # a key read outside of any decision changed: start over
            step = _scratch(world, user, request)
            view = {}
        for key in step.removed:
            del view[key]
        view.update(step.values)
        fresh = _scratch(world, user, request)
        assert set(step.kept.expansion.keys) == set(fresh.values), changes
        assert view == fresh.values, changes
        computed = step
