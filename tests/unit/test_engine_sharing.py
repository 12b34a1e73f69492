"""Sharing does not depend on who connects first: a group is computed for a member of the
profile whom no identity fact mentions, so a first member with data of its own (personal notes
that the request follows to more keys) takes a group of its own and everybody else still
shares one."""

from __future__ import annotations

import asyncio

import pytest

from domain.autoupdate import Autoupdate
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
