"""Sharing does not depend on who connects first: a group is computed for a member of the
profile whom no identity fact mentions, so a first member with data of its own (personal notes
that the request follows to more keys) takes a group of its own and everybody else still
shares one."""

from __future__ import annotations

import asyncio
from functools import partial

import pytest

from domain.autoupdate import Autoupdate
from domain.autoupdate.compute import run_complete, user_values
from domain.autoupdate.group import Group, Seed
from domain.autoupdate.groups import Groups
from domain.cache import Cache
from domain.keysbuilder import parse_many
from domain.projector.registry import default_registry
from domain.restrict.restricter import PermissionRestricter
from simulator.requests import meeting_request
from tests.builders import generated_meeting
from tests.fakes import FlatDatastore

WITH_NOTES = 3
"""In generated meeting 1, user 3 has personal notes; users 3 to 14 are all in group 1."""
OTHERS = list(range(4, 15))


@pytest.mark.parametrize("order", ["own data first", "own data last"])
def test_a_first_member_with_own_data_does_not_split_the_others(order: str) -> None:
    data = generated_meeting(1)
    assert any(key.startswith("personal_note/") for key in data)
    users = [WITH_NOTES, *OTHERS] if order == "own data first" else [*OTHERS, WITH_NOTES]
    request = parse_many(meeting_request())

    async def run() -> None:
        datastore = FlatDatastore(data)
        engine = Autoupdate(Cache(datastore), PermissionRestricter(), workers=2, slides=default_registry())
        async with engine.running():
            streams = {user: await engine.subscribe(user, request) for user in users}
            sizes = engine.group_sizes()
            assert sizes == [1, len(OTHERS)]
            fresh = Autoupdate(Cache(datastore), PermissionRestricter(), workers=1, slides=default_registry())
            async with fresh.running():
                for user, stream in streams.items():
                    first = await asyncio.wait_for(stream.next(), 5)
                    assert first.decoded() == (await fresh.single(user, request)).decoded(), user
                await engine.close()
                await fresh.close()

    asyncio.run(run())


def test_a_group_of_one_user_starts_over_from_the_shared_groups_decisions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A change that forgets most decisions makes every group compute from scratch; the group
    of the user with own data starts from the shared group's new decisions (it runs after it)
    and still gives that user exactly a fresh computation's answer."""
    data = generated_meeting(1)
    group_id = _group_of(data, WITH_NOTES)
    request = parse_many(meeting_request())
    users = [WITH_NOTES, *OTHERS]
    seeds: list[bool] = []
    shared_seed = Groups.shared_seed

    def spy(self: Groups, group: Group, generation: int) -> Seed | None:
        seed = shared_seed(self, group, generation)
        seeds.append(seed is not None)
        return seed

    monkeypatch.setattr(Groups, "shared_seed", spy)

    async def run() -> None:
        datastore = FlatDatastore(data)
        engine = Autoupdate(Cache(datastore), PermissionRestricter(), workers=1, slides=default_registry())
        async with engine.running():
            streams = {user: await engine.subscribe(user, request) for user in users}
            folds = {user: (await asyncio.wait_for(s.next(), 5)).decoded() for user, s in streams.items()}
            assert engine.group_sizes() == [1, len(OTHERS)]
            change = {f"group/{group_id}/permissions": ["motion.can_see"]}
            datastore.update(change)
            engine.apply_changes(change)
            await engine.idle()
            assert seeds == [True]
            for user, stream in streams.items():
                while stream.queued():
                    for key, value in stream.next_nowait().decoded().items():
                        if value is None:
                            folds[user].pop(key, None)
                        else:
                            folds[user][key] = value
            fresh = Cache(datastore)
            async with fresh.running():
                for user in users:
                    compute = partial(
                        user_values,
                        restricter=PermissionRestricter(),
                        user_id=user,
                        request=request,
                        max_keys=10**6,
                    )
                    values, _ = await run_complete(fresh, compute)
                    requested = {
                        key: value for key, value in folds[user].items() if key in values
                    }  # spec §5.3
                    assert requested == {key: value for key, value in values.items() if value is not None}, (
                        user
                    )
            await engine.close()

    asyncio.run(run())


def test_a_group_of_one_user_follows_the_shared_groups_keys_until_they_are_replaced() -> None:
    """The group of one user continued the shared group's computation, so it depends on every
    key that one does: the index keeps it under its own reads only and a change of a shared
    key reaches it through the shared group. When the shared group computes from scratch (its
    keys are replaced), the follower is indexed under the old keys itself."""
    data = generated_meeting(1)
    request = parse_many(meeting_request())
    title = min(key for key in data if key.startswith("motion/") and key.endswith("/title"))

    async def run() -> None:
        datastore = FlatDatastore(data)
        engine = Autoupdate(Cache(datastore), PermissionRestricter(), workers=1, slides=default_registry())
        async with engine.running():
            streams = {user: await engine.subscribe(user, request) for user in [WITH_NOTES, *OTHERS]}
            for stream in streams.values():
                await asyncio.wait_for(stream.next(), 5)
            (own,) = (g for g in engine._groups if g.owner == WITH_NOTES)
            shared = own.leader
            assert shared is not None and own in shared.followers
            assert title in shared.deps and title not in own.deps
            assert len(own.deps) * 10 < len(shared.deps)
            for value in ("first", "second"):
                change = {title: value}
                datastore.update(change)
                engine.apply_changes(change)
                await engine.idle()
                assert (await asyncio.wait_for(streams[WITH_NOTES].next(), 5)).decoded()[title] == value
                if value == "first":  # the shared group starts over: its keys are replaced
                    shared.scratch = True
                    shared.notify([])
                    await engine.idle()
                    assert own.leader is None and not shared.followers and title in own.deps
            await engine.close()

    asyncio.run(run())


def _group_of(data: dict[str, object], user_id: int) -> int:
    """The (first) group of the user's meeting_user in meeting 1."""
    meeting_users = data[f"user/{user_id}/meeting_user_ids"]
    assert isinstance(meeting_users, list) and len(meeting_users) == 1
    groups = data[f"meeting_user/{meeting_users[0]}/group_ids"]
    assert isinstance(groups, list)
    return int(groups[0])
