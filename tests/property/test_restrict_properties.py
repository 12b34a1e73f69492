"""Properties of the permission layer on generated meetings, through the real engine.

* nobody receives a key (or a value) that ``domain.api.restricted_values`` would not give them;
* a user's answer does not depend on what else was requested with it, nor on the order;
* a write that revokes a permission turns the now-hidden keys of an open stream into ``null``s,
  so the folded stream equals a fresh request.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.api import restricted_values
from domain.autoupdate import Autoupdate, Subscription
from domain.cache import Cache
from domain.keysbuilder import parse_k, parse_many
from domain.restrict.restricter import PermissionRestricter
from simulator.requests import meeting_request
from tests.builders import GENERATED_PARTICIPANTS, generated_meeting
from tests.fakes import FlatDatastore

PARTICIPANTS = GENERATED_PARTICIPANTS
SETTINGS = settings(max_examples=25, deadline=None)
users = st.integers(min_value=0, max_value=PARTICIPANTS)
seeds = st.integers(min_value=1, max_value=4)


def _engine(data: dict[str, Any]) -> tuple[Autoupdate, FlatDatastore]:
    datastore = FlatDatastore(data)
    return Autoupdate(Cache(datastore), PermissionRestricter(), workers=2), datastore


@SETTINGS
@given(seed=seeds, user_id=users)
def test_nobody_receives_what_the_permission_rules_deny(seed: int, user_id: int) -> None:
    data = generated_meeting(seed)
    engine, _ = _engine(data)

    async def single() -> dict[str, Any]:
        async with engine.running():
            return (await engine.single(user_id, parse_many(meeting_request()))).decoded()

    sent = asyncio.run(single())
    assert sent == restricted_values(data, user_id, sent)


@SETTINGS
@given(seed=seeds, user_id=users, shuffle=st.randoms(use_true_random=False))
def test_answer_does_not_depend_on_request_grouping_or_order(
    seed: int, user_id: int, shuffle: random.Random
) -> None:
    data = generated_meeting(seed)
    keys = sorted(data)
    own = shuffle.sample(keys, 40)
    others = shuffle.sample(keys, 200)

    async def answers() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        engine, _ = _engine(data)
        async with engine.running():
            alone = (await engine.single(user_id, parse_k(",".join(own)))).decoded()
            mixed = (await engine.single(user_id, parse_k(",".join(others + own)))).decoded()
            reordered = (await engine.single(user_id, parse_k(",".join(reversed(own))))).decoded()
            return alone, mixed, reordered

    alone, mixed, reordered = asyncio.run(answers())
    assert alone == {key: value for key, value in mixed.items() if key in own}
    assert alone == reordered


async def _fold(engine: Autoupdate, subscription: Subscription, state: dict[str, Any]) -> None:
    """Apply every message the stream has got once the engine is idle (no timing involved)."""
    await engine.idle()
    while subscription.queued():
        message = await subscription.next()
        for key, value in message.decoded().items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value


@settings(max_examples=8, deadline=None)
@given(
    seed=seeds,
    user_id=st.integers(min_value=3, max_value=PARTICIPANTS),
    pick=st.randoms(use_true_random=False),
)
def test_revoked_permission_reaches_an_open_stream_as_nulls(
    seed: int, user_id: int, pick: random.Random
) -> None:
    """Keys still requested but now hidden arrive as ``null``; keys of a request tree that are no
    longer reachable are not reported (upstream semantics: clients derive that from the
    relation lists), so the folded tree state agrees with a fresh request on every key the
    fresh request still has."""
    data = dict(generated_meeting(seed))
    delegates = data["meeting/1/default_group_id"]
    tree = parse_many(meeting_request())
    motion_keys = [key for key in sorted(data) if key.startswith(("motion/", "speaker/", "agenda_item/"))]
    plain = parse_k(",".join(pick.sample(motion_keys, 60)))
    revoke: dict[str, Any] = {f"group/{delegates}/permissions": []}

    async def run() -> tuple[dict[str, Any], ...]:
        engine, datastore = _engine(data)
        async with engine.running():
            streams = [await engine.subscribe(user_id, request) for request in (plain, tree)]
            states: list[dict[str, Any]] = [{}, {}]
            for stream, state in zip(streams, states, strict=True):
                await _fold(engine, stream, state)
            plain_before = dict(states[0])
            datastore.update(revoke)
            engine.apply_changes(revoke)
            for stream, state in zip(streams, states, strict=True):
                await _fold(engine, stream, state)
            fresh, _ = _engine(datastore.data)  # from scratch: a new engine, nothing shared
            async with fresh.running():
                fresh_plain = (await fresh.single(user_id, plain)).decoded()
                fresh_tree = (await fresh.single(user_id, tree)).decoded()
            return plain_before, states[0], fresh_plain, states[1], fresh_tree

    plain_before, plain_after, fresh_plain, tree_after, fresh_tree = asyncio.run(run())
    assert plain_after == fresh_plain
    assert {key: tree_after.get(key) for key in fresh_tree} == fresh_tree
    if data.get(f"meeting_user/{user_id}/group_ids") == [delegates]:
        assert plain_before and not plain_after  # a plain delegate loses every motion/agenda key
