"""The engine: shared groups, waking only affected streams, coalescing, slow consumers."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import pytest

from domain.autoupdate import Autoupdate, Limits, SlowConsumer, Subscription
from domain.cache import Cache
from domain.keysbuilder import parse_k, parse_many
from domain.restrict.modes import Unrestricted
from tests.fakes import FlatDatastore

DATA: dict[str, Any] = {
    "user/1/id": 1,
    "user/1/username": "a",
    "user/2/id": 2,
    "user/2/username": "b",
    "organization/1/id": 1,
    "organization/1/committee_ids": [1],
    "committee/1/id": 1,
    "committee/1/name": "c1",
    "committee/2/id": 2,
    "committee/2/name": "c2",
}
COMMITTEES = (
    b'[{"ids":[1],"collection":"organization","fields":{"committee_ids":'
    b'{"type":"relation-list","collection":"committee","fields":{"name":null}}}}]'
)


def _engine(idle_seconds: float = 0, **limits: int) -> tuple[Autoupdate, FlatDatastore]:
    datastore = FlatDatastore(DATA)
    engine = Autoupdate(
        Cache(datastore), Unrestricted(), workers=2, limits=Limits(**limits), idle_seconds=idle_seconds
    )
    return engine, datastore


def _write(engine: Autoupdate, datastore: FlatDatastore, changes: dict[str, Any]) -> None:
    datastore.update(changes)
    engine.apply_changes(changes)


async def _next(subscription: Subscription, wait: float = 2.0) -> dict[str, Any] | None:
    with anyio.move_on_after(wait):
        return (await subscription.next()).decoded()
    return None


def test_same_profile_and_request_share_one_computation_and_one_message() -> None:
    async def main() -> None:
        engine, datastore = _engine()
        async with engine.running():
            first = await engine.subscribe(1, parse_k("user/1/username"))
            second = await engine.subscribe(1, parse_k("user/1/username"))
            assert engine.statistics()["autoupdate_groups"] == 1
            await first.next(), await second.next()
            _write(engine, datastore, {"user/1/username": "x"})
            one, two = await first.next(), await second.next()
            assert one is two
            assert one.decoded() == {"user/1/username": "x"}

    asyncio.run(main())


def test_change_of_an_unread_key_wakes_nobody() -> None:
    async def main() -> None:
        engine, datastore = _engine()
        async with engine.running():
            subscription = await engine.subscribe(1, parse_k("user/1/username"))
            await subscription.next()
            _write(engine, datastore, {"user/2/username": "y"})
            assert await _next(subscription, 0.1) is None

    asyncio.run(main())


def test_following_a_changed_relation_sends_new_targets_and_forgets_old() -> None:
    async def main() -> None:
        engine, datastore = _engine()
        async with engine.running():
            subscription = await engine.subscribe(1, parse_many(COMMITTEES))
            assert await _next(subscription) == {
                "organization/1/committee_ids": [1],
                "committee/1/name": "c1",
            }
            _write(engine, datastore, {"organization/1/committee_ids": [2]})
            assert await _next(subscription) == {
                "organization/1/committee_ids": [2],
                "committee/2/name": "c2",
            }
            _write(engine, datastore, {"committee/1/name": "ignored"})
            assert await _next(subscription, 0.1) is None
            _write(engine, datastore, {"committee/2/name": "renamed"})
            assert await _next(subscription) == {"committee/2/name": "renamed"}

    asyncio.run(main())


def test_changes_while_busy_are_coalesced_and_none_is_lost() -> None:
    async def main() -> None:
        engine, datastore = _engine()
        async with engine.running():
            subscription = await engine.subscribe(1, parse_k("user/1/username,user/2/username"))
            await subscription.next()
            for index in range(20):
                _write(engine, datastore, {"user/1/username": f"a{index}", "user/2/username": f"b{index}"})
            received: dict[str, Any] = {}
            while (message := await _next(subscription, 0.2)) is not None:
                received.update(message)
            assert received == {"user/1/username": "a19", "user/2/username": "b19"}

    asyncio.run(main())


def test_client_that_does_not_read_is_disconnected_not_buffered() -> None:
    async def main() -> None:
        engine, datastore = _engine(max_queue=3)
        async with engine.running():
            subscription = await engine.subscribe(1, parse_k("user/1/username"))
            for index in range(10):
                _write(engine, datastore, {"user/1/username": f"v{index}"})
                await asyncio.sleep(0.01)
            with pytest.raises(SlowConsumer):
                while True:
                    await subscription.next()
            assert engine.statistics()["autoupdate_groups"] == 0

    asyncio.run(main())


def test_last_member_leaving_frees_the_group_and_its_index() -> None:
    async def main() -> None:
        engine, _ = _engine()
        async with engine.running():
            subscription = await engine.subscribe(1, parse_many(COMMITTEES))
            assert engine.statistics()["autoupdate_watched_keys"] > 0
            subscription.close()
            assert engine.statistics() | {"datastore_cache_key_len": 0, "datastore_cache_objects": 0} == {
                "datastore_cache_key_len": 0,
                "datastore_cache_objects": 0,
                "autoupdate_groups": 0,
                "autoupdate_connections": 0,
                "autoupdate_patched_connections": 0,
                "autoupdate_watched_keys": 0,
                "autoupdate_audit_checks": 0,
                "autoupdate_audit_mismatches": 0,
            }

    asyncio.run(main())


def test_new_member_of_a_running_group_starts_from_the_current_state() -> None:
    async def main() -> None:
        engine, datastore = _engine()
        async with engine.running():
            first = await engine.subscribe(1, parse_k("user/1/username"))
            await first.next()
            _write(engine, datastore, {"user/1/username": "x"})
            await first.next()
            late = await engine.subscribe(1, parse_k("user/1/username"))
            assert await _next(late) == {"user/1/username": "x"}

    asyncio.run(main())


def test_longpoll_returns_at_once_for_new_state_and_waits_for_a_change() -> None:
    async def main() -> None:
        engine, datastore = _engine()
        async with engine.running():
            request = parse_k("user/1/username")
            message, state = await engine.longpoll(1, request, "")
            assert message.decoded() == {"user/1/username": "a"}
            waiting = asyncio.create_task(engine.longpoll(1, request, state))
            await asyncio.sleep(0.05)
            assert not waiting.done()
            _write(engine, datastore, {"user/1/username": "b"})
            message, _ = await asyncio.wait_for(waiting, 2)
            assert message.decoded() == {"user/1/username": "b"}

    asyncio.run(main())


def test_deleted_value_is_sent_as_null() -> None:
    async def main() -> None:
        engine, datastore = _engine()
        async with engine.running():
            subscription = await engine.subscribe(1, parse_k("user/2/username"))
            await subscription.next()
            _write(engine, datastore, {"user/2/username": None})
            assert await _next(subscription) == {"user/2/username": None}

    asyncio.run(main())


def test_group_outlives_its_last_member_for_reconnects_and_singles() -> None:
    async def main() -> None:
        engine, datastore = _engine(idle_seconds=0.2)
        async with engine.running():
            request = parse_many(COMMITTEES)
            subscription = await engine.subscribe(1, request)
            subscription.close()
            assert engine.statistics()["autoupdate_groups"] == 1  # kept while idle
            _write(engine, datastore, {"committee/1/name": "while idle"})
            await engine.idle()
            again = await engine.subscribe(1, request)  # reconnect: joins the computed group
            assert (await again.next()).decoded()["committee/1/name"] == "while idle"
            assert (await engine.single(1, request)).decoded()["committee/1/name"] == "while idle"
            again.close()
            await asyncio.sleep(0.3)
            assert engine.statistics()["autoupdate_groups"] == 0

    asyncio.run(main())


def test_idle_groups_keep_a_bounded_number_of_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups without members keep at most IDLE_KEYS keys together: the oldest go first, and one
    of more than IDLE_GROUP_KEYS goes at once (requests nobody streams must not hold memory)."""
    monkeypatch.setattr("domain.autoupdate.groups.IDLE_KEYS", 3)
    monkeypatch.setattr("domain.autoupdate.groups.IDLE_GROUP_KEYS", 3)

    async def main() -> None:
        engine, _ = _engine(idle_seconds=60)
        async with engine.running():
            await engine.single(1, parse_k("user/1/username"))
            await engine.single(1, parse_k("user/2/username"))
            assert engine.statistics()["autoupdate_groups"] == 2
            await engine.single(1, parse_k("user/1/username,user/2/username"))  # the oldest goes
            assert engine.statistics()["autoupdate_groups"] == 2
            await engine.single(1, parse_k("user/1/id,user/2/id,user/1/username,user/2/username"))  # too big
            assert engine.statistics()["autoupdate_groups"] == 2
            await engine.close()

    asyncio.run(main())
