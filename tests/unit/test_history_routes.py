"""``?position=N`` and ``/system/autoupdate/history_information`` over the simulator's datastore."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from adapters.http.service import Service
from domain.autoupdate import Autoupdate
from domain.cache import Cache
from domain.restrict.restricter import PermissionRestricter
from ports.auth import Identity
from simulator.datastore import Event, MemoryDatastore
from tests.asgi_driver import Response, app_for, call

BASE: dict[str, Any] = {
    "organization": {"1": {"id": 1, "committee_ids": [1]}},
    "committee": {"1": {"id": 1, "meeting_ids": [1], "organization_id": 1}},
    "meeting": {
        "1": {"id": 1, "committee_id": 1, "admin_group_id": 2, "group_ids": [1, 2], "motion_ids": [1]}
    },
    "group": {
        "1": {"id": 1, "meeting_id": 1, "meeting_user_ids": [3], "permissions": ["meeting.can_see_history"]},
        "2": {"id": 2, "meeting_id": 1, "meeting_user_ids": [2]},
    },
    "user": {
        "1": {"id": 1, "username": "root", "organization_management_level": "superadmin", "password": "x"},
        "2": {"id": 2, "username": "admin", "meeting_user_ids": [2], "meeting_ids": [1]},
        "3": {"id": 3, "username": "historian", "meeting_user_ids": [3], "meeting_ids": [1]},
        "4": {"id": 4, "username": "nobody"},
    },
    "meeting_user": {
        "2": {"id": 2, "user_id": 2, "meeting_id": 1, "group_ids": [2]},
        "3": {"id": 3, "user_id": 3, "meeting_id": 1, "group_ids": [1]},
    },
    "motion": {"1": {"id": 1, "meeting_id": 1, "title": "first"}},
}


class AsUser:
    """Authenticates every request as a fixed user."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id

    async def authenticate(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity:
        return Identity(user_id=self.user_id)

    async def wait_logout(self, session_id: str) -> None:
        await asyncio.Event().wait()


def _datastore() -> MemoryDatastore:
    datastore = MemoryDatastore()
    datastore.load_export(BASE)  # position 1
    datastore.write(
        [Event("update", "motion/1", {"title": "second"})], user_id=2, information={"motion/1": ["renamed"]}
    )
    datastore.write(
        [Event("update", "motion/1", {"title": "third"})], user_id=2
    )  # position 3, no information
    return datastore


def _get(user_id: int, path: str) -> Response:
    engine = Autoupdate(Cache(_datastore()), PermissionRestricter(), workers=1)
    return asyncio.run(call(app_for(Service(engine, AsUser(user_id))), "GET", path))


def test_position_reads_the_past_as_superadmin_without_passwords() -> None:
    response = _get(1, "/system/autoupdate?position=2&k=motion/1/title,user/1/password,user/1/username")
    assert response.status == 200
    assert json.loads(response.body) == {"motion/1/title": "second", "user/1/username": "root"}
    assert json.loads(_get(1, "/system/autoupdate?position=1&k=motion/1/title").body) == {
        "motion/1/title": "first"
    }


def test_position_as_meeting_admin_sees_meeting_objects_and_members_only() -> None:
    path = "/system/autoupdate?position=2&k=motion/1/title,user/3/username,user/4/username,committee/1/id"
    assert json.loads(_get(2, path).body) == {"motion/1/title": "second", "user/3/username": "historian"}


def test_position_shows_nothing_to_ordinary_members_and_public_access() -> None:
    assert json.loads(_get(3, "/system/autoupdate?position=2&k=motion/1/title").body) == {}
    assert json.loads(_get(0, "/system/autoupdate?position=2&k=motion/1/title").body) == {}


def test_position_must_exist() -> None:
    for position in ("0", "4", "x", "-1"):
        response = _get(1, f"/system/autoupdate?position={position}&k=motion/1/title")
        assert response.status == 400
        assert json.loads(response.body)["error"]["type"] == "invalid_input"


def test_history_information_lists_positions_with_information() -> None:
    response = _get(3, "/system/autoupdate/history_information?fqid=motion/1")
    assert response.status == 200
    body = json.loads(response.body)
    assert [entry["position"] for entry in body["motion/1"]] == [1, 2]
    assert body["motion/1"][1]["information"] == {"motion/1": ["renamed"]}
    assert body["motion/1"][1]["user_id"] == 2


def test_history_information_errors() -> None:
    cases = {
        "/system/autoupdate/history_information": (400, "invalid_request"),
        "/system/autoupdate/history_information?fqid=Motion/1": (400, "invalid_input"),
        "/system/autoupdate/history_information?fqid=motion/0": (400, "invalid_input"),
        "/system/autoupdate/history_information?fqid=motion/9": (400, "not_exist"),
    }
    for path, (status, type) in cases.items():
        response = _get(1, path)
        assert (response.status, json.loads(response.body)["error"]["type"]) == (status, type), path
    denied = _get(4, "/system/autoupdate/history_information?fqid=motion/1")
    assert (denied.status, json.loads(denied.body)["error"]["type"]) == (403, "permission_denied")
    organization = _get(3, "/system/autoupdate/history_information?fqid=user/4")
    assert organization.status == 403
    assert _get(1, "/system/autoupdate/history_information?fqid=user/4").status == 200


def test_history_information_returns_a_refreshed_token() -> None:
    class Refreshing(AsUser):
        async def authenticate(self, headers: Mapping[str, str], cookies: Mapping[str, str]) -> Identity:
            return Identity(user_id=self.user_id, refreshed_token="bearer new")

    engine = Autoupdate(Cache(_datastore()), PermissionRestricter(), workers=1)
    app = app_for(Service(engine, Refreshing(1)))
    response = asyncio.run(call(app, "GET", "/system/autoupdate/history_information?fqid=motion/1"))
    assert response.status == 200
    assert response.headers["authentication"] == "bearer new"
