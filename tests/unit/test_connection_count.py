"""Who may see connection counts and of whom; filtering never touches the input (spec §3.6, A3)."""

from __future__ import annotations

from typing import Any

from domain.connection_count import connection_count_scope, filter_counts
from domain.reader import FlatSource, Reader

DATA: dict[str, Any] = {
    "user/1/id": 1,
    "user/1/organization_management_level": "superadmin",
    "user/2/id": 2,
    "user/2/organization_management_level": "can_manage_organization",
    "user/3/id": 3,
    "user/3/organization_management_level": "can_manage_users",
    "user/3/meeting_user_ids": [31],
    "user/4/id": 4,
    "user/4/meeting_user_ids": [41, 42],
    "user/5/id": 5,
    "user/5/meeting_user_ids": [51],
    "meeting/1/meeting_user_ids": [31, 41, 51],
    "meeting/2/meeting_user_ids": [42, 61],
    "meeting_user/31/user_id": 3,
    "meeting_user/31/group_ids": [11],
    "meeting_user/41/user_id": 4,
    "meeting_user/41/group_ids": [11],
    "meeting_user/42/user_id": 4,
    "meeting_user/42/group_ids": [20],
    "meeting_user/51/user_id": 5,
    "meeting_user/51/group_ids": [10],
    "meeting_user/61/user_id": 6,
    "group/10/admin_group_for_meeting_id": 1,
    "group/11/meeting_id": 1,
    "group/20/admin_group_for_meeting_id": 2,
}


def _scope(user_id: int) -> object:
    return connection_count_scope(Reader(FlatSource(DATA)), user_id)


def test_public_access_is_never_allowed() -> None:
    assert _scope(0) is False


def test_organization_managers_see_everyone() -> None:
    assert _scope(1) is None
    assert _scope(2) is None


def test_lower_management_level_without_admin_group_is_not_allowed() -> None:
    assert _scope(3) is False


def test_unknown_user_is_not_allowed() -> None:
    assert _scope(99) is False


def test_meeting_admin_sees_the_members_of_their_admin_meetings() -> None:
    assert _scope(5) == frozenset({3, 4, 5})
    assert _scope(4) == frozenset({4, 6})


def test_admin_of_several_meetings_sees_all_their_members() -> None:
    data = {**DATA, "meeting_user/41/group_ids": [10]}
    assert connection_count_scope(Reader(FlatSource(data)), 4) == frozenset({3, 4, 5, 6})


def test_reads_are_recorded() -> None:
    reader = Reader(FlatSource(DATA))
    connection_count_scope(reader, 5)
    assert "group/10/admin_group_for_meeting_id" in reader.reads
    assert "meeting_user/41/user_id" in reader.reads


def test_filter_keeps_only_users_in_scope_and_never_mutates_its_input() -> None:
    counts = {0: 15, 3: 1, 4: 2, 9: 1}
    assert filter_counts(counts, frozenset({3, 4, 5})) == {3: 1, 4: 2}
    assert filter_counts(counts, None) == counts
    assert filter_counts(counts, None) is not counts
    assert filter_counts(counts, False) == {}
    assert counts == {0: 15, 3: 1, 4: 2, 9: 1}
