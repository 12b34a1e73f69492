"""``domain.autoupdate.incremental`` directly: a computation continued change by change equals
a computation from scratch on the changed data (DESIGN §4), for random users of generated
meetings and random write sequences (the engine's property test draws the same writes)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.autoupdate.incremental import Computed, after_changes, from_scratch
from domain.keysbuilder import parse_many
from domain.reader import FlatSource, Reader
from domain.restrict.restricter import PermissionRestricter
from simulator.requests import meeting_request
from tests.property.test_incremental_engine import _random_change
from tests.property.test_restrict_properties import PARTICIPANTS, meeting

MAX_KEYS = 1_000_000
RESTRICTER = PermissionRestricter()


def _scratch(data: dict[str, Any], user: int) -> Computed:
    return from_scratch(Reader(FlatSource(data)), RESTRICTER, user, parse_many(meeting_request()), MAX_KEYS)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(min_value=1, max_value=4),
    user=st.integers(min_value=0, max_value=PARTICIPANTS),
    rng=st.randoms(use_true_random=False),
)
def test_continued_computation_equals_computation_from_scratch(
    seed: int, user: int, rng: random.Random
) -> None:
    data = dict(meeting(seed))
    computed = _scratch(data, user)
    view = dict(computed.values)
    continued = 0
    for _ in range(8):
        changes: dict[str, Any] = {}
        for _ in range(rng.randrange(1, 3)):
            changes.update(_random_change(data, rng))
        data = {key: value for key, value in {**data, **changes}.items() if value is not None}
        step = after_changes(Reader(FlatSource(data)), RESTRICTER, user, computed.kept, changes, MAX_KEYS)
        if step is None:  # a key read outside of any decision changed: start over
            step = _scratch(data, user)
            view = {}
        else:
            continued += 1
        for key in step.removed:
            del view[key]
        view.update(step.values)
        fresh = _scratch(data, user)
        assert set(step.kept.expansion.keys) == set(fresh.values), changes
        assert view == fresh.values, changes
        computed = step
    assert continued
