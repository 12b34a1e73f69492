"""Read rules of the agenda, speaker, assignment, chat, projector and mediafile families: the
edge cases of spec restrict §6 that the shared vectors do not cover, the per-meeting decision
for lists of speakers (Part A R3), and inconsistent data (R2: invisible, never an exception).
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.api import explain
from tests import builders
from tests.builders import Data, obj, sees

MEETING = 30
OTHER_MEETING = 31


def world(*meetings: int) -> Data:
    """An organization with users 1 and 2 and the given meetings, each in its own committee."""
    data = obj("organization/1") | obj("user/1") | obj("user/2")
    for meeting in meetings or (MEETING,):
        data |= builders.meeting(meeting, meeting * 10)
    return data


def member(data: Data, *perms: str, meeting: int = MEETING, user: int = 1, admin: bool = False) -> Data:
    """Make ``user`` a member of ``meeting`` in a group with ``perms`` (the admin group if
    ``admin``), with both sides of every relation set, as in consistent data."""
    meeting_user = user * 100 + meeting
    group = meeting_user + 10_000
    data[f"meeting_user/{meeting_user}/id"] = meeting_user
    data[f"meeting_user/{meeting_user}/user_id"] = user
    data[f"meeting_user/{meeting_user}/meeting_id"] = meeting
    data[f"meeting_user/{meeting_user}/group_ids"] = [group]
    data.setdefault(f"user/{user}/meeting_user_ids", []).append(meeting_user)
    data[f"group/{group}/id"] = group
    data[f"group/{group}/meeting_id"] = meeting
    data[f"group/{group}/permissions"] = list(perms)
    data[f"group/{group}/meeting_user_ids"] = [meeting_user]
    data.setdefault(f"meeting/{meeting}/group_ids", []).append(group)
    data.setdefault(f"meeting/{meeting}/meeting_user_ids", []).append(meeting_user)
    if admin:
        data[f"meeting/{meeting}/admin_group_id"] = group
        data[f"group/{group}/admin_group_for_meeting_id"] = meeting
    return data


# -- agenda_item and topic ---------------------------------------------------------------------


def agenda_item(*perms: str, **fields: Any) -> Data:
    return member(world(), *perms) | obj("agenda_item/1", meeting_id=MEETING, **fields)


@pytest.mark.parametrize(
    ("perms", "fields", "visible"),
    [
        (["agenda_item.can_see_internal"], {"is_internal": True}, True),
        (["agenda_item.can_see_internal"], {"is_hidden": True}, False),
        (["agenda_item.can_manage"], {"is_hidden": True, "is_internal": True}, True),
        (["agenda_item.can_see"], {"is_hidden": False, "is_internal": False}, True),
    ],
)
def test_agenda_item_mode_a(perms: list[str], fields: dict[str, Any], visible: bool) -> None:
    assert bool(sees(agenda_item(*perms, **fields), "agenda_item/1/id")) is visible


def test_agenda_item_mode_b_needs_can_see_internal_not_the_item() -> None:
    """duration is visible with can_see_internal even when the item itself is hidden."""
    data = agenda_item("agenda_item.can_see_internal", is_hidden=True, duration=60)
    assert sees(data, "agenda_item/1/id", "agenda_item/1/duration") == {"agenda_item/1/duration"}


def test_agenda_item_mode_c_for_managers() -> None:
    data = agenda_item("agenda_item.can_manage", comment="c", duration=60)
    assert sees(data, "agenda_item/1/comment", "agenda_item/1/duration") == {
        "agenda_item/1/comment",
        "agenda_item/1/duration",
    }


def test_topic_follows_its_agenda_item() -> None:
    data = agenda_item("agenda_item.can_see") | obj("topic/5", meeting_id=MEETING, agenda_item_id=1)
    assert sees(data, "topic/5/id") == {"topic/5/id"}
    data["agenda_item/1/is_hidden"] = True
    assert sees(data, "topic/5/id") == set()


# -- list_of_speakers, speaker, structure_level(_list_of_speakers) -----------------------------


def test_list_of_speakers_can_be_speaker_sees_list_but_not_moderator_notes() -> None:
    data = member(world(), "list_of_speakers.can_be_speaker")
    data |= obj("list_of_speakers/1", meeting_id=MEETING, moderator_notes="n")
    assert sees(data, "list_of_speakers/1/id", "list_of_speakers/1/moderator_notes") == {
        "list_of_speakers/1/id"
    }


def test_list_of_speakers_is_decided_per_meeting() -> None:
    """R3: permission in one meeting does not open the lists of another meeting, whatever is
    requested together (R5)."""
    data = member(world(MEETING, OTHER_MEETING), "list_of_speakers.can_see")
    data |= obj("list_of_speakers/1", meeting_id=MEETING)
    data |= obj("list_of_speakers/2", meeting_id=OTHER_MEETING)
    data |= obj("structure_level_list_of_speakers/3", meeting_id=OTHER_MEETING, list_of_speakers_id=2)
    keys = ("list_of_speakers/1/id", "list_of_speakers/2/id", "structure_level_list_of_speakers/3/id")
    assert sees(data, *keys) == {"list_of_speakers/1/id"}
    assert sees(data, "list_of_speakers/2/id") == set()


def speaker_world(*perms: str, speaker_user: int) -> Data:
    data = member(world(), *perms)
    member(data, meeting=MEETING, user=2)
    return data | obj("speaker/1", meeting_id=MEETING, meeting_user_id=speaker_user * 100 + MEETING)


def test_can_be_speaker_sees_only_own_speaker() -> None:
    assert sees(speaker_world("list_of_speakers.can_be_speaker", speaker_user=1), "speaker/1/id")
    assert not sees(speaker_world("list_of_speakers.can_be_speaker", speaker_user=2), "speaker/1/id")


def test_speaker_without_meeting_user_is_nobodys_own() -> None:
    data = member(world(), "list_of_speakers.can_be_speaker")
    data |= obj("speaker/1", meeting_id=MEETING)
    assert sees(data, "speaker/1/id") == set()


def test_structure_level_list_of_speakers_not_with_user_can_see_alone() -> None:
    data = member(world(), "user.can_see")
    data |= obj("list_of_speakers/1", meeting_id=MEETING)
    data |= obj("structure_level_list_of_speakers/2", meeting_id=MEETING, list_of_speakers_id=1)
    assert sees(data, "structure_level_list_of_speakers/2/id") == set()


def test_structure_level_visible_through_a_visible_meeting_user() -> None:
    """spec §6 structure_level "Can see meeting_user": needs the meeting_user rule (mode A)."""
    data = member(world(), "user.can_see")
    member(data, meeting=MEETING, user=2)
    data |= obj("structure_level/1", meeting_id=MEETING, meeting_user_ids=[2 * 100 + MEETING])
    assert sees(data, "structure_level/1/id") == {"structure_level/1/id"}


# -- assignment, chat ---------------------------------------------------------------------------


def test_assignment_candidate_follows_assignment() -> None:
    data = member(world(), "assignment.can_nominate_self")
    data |= obj("assignment/1", meeting_id=MEETING, candidate_ids=[2])
    data |= obj("assignment_candidate/2", meeting_id=MEETING, assignment_id=1)
    assert sees(data, "assignment/1/id", "assignment_candidate/2/id") == {
        "assignment/1/id",
        "assignment_candidate/2/id",
    }


def chat_world(*, read: bool, write: bool, author: int = 2) -> Data:
    data = member(world())
    member(data, meeting=MEETING, user=2)
    group = 100 + MEETING + 10_000
    data |= obj(
        "chat_group/1",
        meeting_id=MEETING,
        read_group_ids=[group] if read else [],
        write_group_ids=[group] if write else [],
    )
    return data | obj(
        "chat_message/2", chat_group_id=1, meeting_id=MEETING, meeting_user_id=author * 100 + MEETING
    )


def test_chat_message_read_group_reads() -> None:
    assert sees(chat_world(read=True, write=False), "chat_message/2/id")


def test_chat_message_write_group_alone_does_not_read_others_messages() -> None:
    data = chat_world(read=False, write=True)
    assert sees(data, "chat_group/1/id", "chat_message/2/id") == {"chat_group/1/id"}


def test_chat_message_own_message_without_group() -> None:
    assert sees(chat_world(read=False, write=False, author=1), "chat_message/2/id")


# -- projector family ---------------------------------------------------------------------------


def test_projector_manager_sees_internal_projector_and_every_projection() -> None:
    data = member(world(), "projector.can_manage")
    data |= obj("projector/1", meeting_id=MEETING, is_internal=True)
    data |= obj("projection/2", meeting_id=MEETING)
    assert sees(data, "projector/1/id", "projection/2/id") == {"projector/1/id", "projection/2/id"}


def test_projection_needs_a_visible_current_projector() -> None:
    data = member(world(), "projector.can_see")
    data |= obj("projector/1", meeting_id=MEETING, is_internal=True)
    data |= obj("projector/3", meeting_id=MEETING)
    data |= obj("projection/2", meeting_id=MEETING, current_projector_id=1)
    data |= obj("projection/4", meeting_id=MEETING, preview_projector_id=3)
    data |= obj("projection/5", meeting_id=MEETING, current_projector_id=3)
    keys = ("projection/2/id", "projection/4/id", "projection/5/id")
    assert sees(data, *keys) == {"projection/5/id"}


# -- mediafile, meeting_mediafile ---------------------------------------------------------------


def test_mediafile_with_token_is_public() -> None:
    data = world() | obj("mediafile/1", owner_id="organization/1", token="web_logo")
    assert sees(data, "mediafile/1/id", user=0) == {"mediafile/1/id"}


def test_unpublished_organization_file_hidden_even_from_meeting_admin() -> None:
    data = member(world(), admin=True)
    data |= obj("mediafile/1", owner_id="organization/1")
    assert sees(data, "mediafile/1/id") == set()
    data["mediafile/1/published_to_meetings_in_organization_id"] = 1
    assert sees(data, "mediafile/1/id") == {"mediafile/1/id"}


def mediafile_world(*perms: str, admin: bool = False, **fields: Any) -> Data:
    data = member(world(), *perms, admin=admin)
    data |= obj("mediafile/1", owner_id=f"meeting/{MEETING}", meeting_mediafile_ids=[2])
    return data | obj("meeting_mediafile/2", meeting_id=MEETING, mediafile_id=1, **fields)


def test_meeting_admin_sees_meeting_mediafile() -> None:
    data = mediafile_world(admin=True, is_public=False)
    assert sees(data, "mediafile/1/id", "meeting_mediafile/2/id") == {
        "mediafile/1/id",
        "meeting_mediafile/2/id",
    }


def test_meeting_mediafile_on_current_projection() -> None:
    data = mediafile_world("projector.can_see", is_public=False, projection_ids=[4])
    data |= obj("projector/5", meeting_id=MEETING)
    data |= obj("projection/4", meeting_id=MEETING, current_projector_id=5)
    assert sees(data, "meeting_mediafile/2/id") == {"meeting_mediafile/2/id"}


def test_meeting_mediafile_needs_to_see_the_meeting() -> None:
    """Public access: the anonymous group has mediafile.can_see, the file is public."""
    data = mediafile_world(is_public=True)
    group = 100 + MEETING + 10_000
    data |= {
        "organization/1/enable_anonymous": True,
        f"meeting/{MEETING}/enable_anonymous": True,
        f"meeting/{MEETING}/anonymous_group_id": group,
        f"group/{group}/permissions": ["mediafile.can_see"],
    }
    assert sees(data, "mediafile/1/id", "meeting_mediafile/2/id", user=0) == {
        "mediafile/1/id",
        "meeting_mediafile/2/id",
    }
    data[f"meeting/{MEETING}/locked_from_inside"] = True
    assert sees(data, "mediafile/1/id", "meeting_mediafile/2/id", user=0) == set()


# -- inconsistent data (R2): invisible, no exception --------------------------------------------


def admin_world() -> Data:
    """A superadmin, who would see everything of consistent data."""
    data = world()
    data["user/1/organization_management_level"] = "superadmin"
    return data


@pytest.mark.parametrize(
    ("fqid", "fields"),
    [
        ("agenda_item/1", {}),
        ("agenda_item/1", {"meeting_id": "30"}),
        ("topic/1", {"meeting_id": MEETING}),
        ("topic/1", {"meeting_id": MEETING, "agenda_item_id": 99}),
        ("assignment_candidate/1", {"meeting_id": MEETING, "assignment_id": 99}),
        ("structure_level_list_of_speakers/1", {"meeting_id": MEETING}),
        ("structure_level_list_of_speakers/1", {"meeting_id": MEETING, "list_of_speakers_id": 99}),
        ("chat_message/1", {"meeting_id": MEETING}),
        ("chat_message/1", {"meeting_id": MEETING, "chat_group_id": 99}),
        ("list_of_speakers/1", {"meeting_id": 0}),
        ("projector_message/1", {"meeting_id": [MEETING]}),
        ("mediafile/1", {}),
        ("mediafile/1", {"owner_id": "committee/1"}),
        ("mediafile/1", {"owner_id": 7}),
        ("meeting_mediafile/1", {}),
    ],
)
def test_inconsistent_object_is_invisible(fqid: str, fields: dict[str, Any]) -> None:
    data = admin_world() | obj(fqid, **fields)
    assert sees(data, f"{fqid}/id") == set()
    assert "inconsistent data" in str(explain(data, 1, f"{fqid}/id"))


@pytest.mark.parametrize(
    ("fqid", "fields", "perms"),
    [
        ("agenda_item/1", {"is_hidden": "no"}, ["agenda_item.can_see"]),
        ("projector/1", {"is_internal": 0}, ["projector.can_see"]),
        ("speaker/1", {"meeting_user_id": 99}, ["list_of_speakers.can_be_speaker"]),
        ("chat_message/1", {"chat_group_id": 2, "meeting_user_id": 99}, []),
        ("projection/1", {"current_projector_id": 99}, ["projector.can_see"]),
        ("meeting_mediafile/1", {}, ["mediafile.can_see"]),
        ("meeting_mediafile/1", {"is_public": "yes"}, ["mediafile.can_see"]),
        ("mediafile/1", {"owner_id": "meeting/30", "token": 5}, []),
    ],
)
def test_inconsistent_field_is_invisible_for_members(
    fqid: str, fields: dict[str, Any], perms: list[str]
) -> None:
    data = member(world(), *perms) | obj(fqid, meeting_id=MEETING, **fields)
    data |= obj("chat_group/2", meeting_id=MEETING)
    assert sees(data, f"{fqid}/id") == set()
    assert "inconsistent data" in str(explain(data, 1, f"{fqid}/id"))


def test_inconsistent_object_does_not_affect_other_keys() -> None:
    data = agenda_item("agenda_item.can_see")
    data |= obj("topic/2", meeting_id=MEETING, agenda_item_id=1)
    data |= obj("topic/3", meeting_id=MEETING, agenda_item_id=99)
    assert sees(data, "agenda_item/1/id", "topic/2/id", "topic/3/id") == {"agenda_item/1/id", "topic/2/id"}
