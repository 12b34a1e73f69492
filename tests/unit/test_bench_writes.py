"""B2's plan of writes and the writes built on the generated meeting
(``simulator.bench.writes``)."""

from __future__ import annotations

import pytest

from simulator.bench.writes import PERMISSION, Meeting, Writes, middle
from simulator.generate import generate_meeting


@pytest.fixture
def writes() -> Writes:
    export = generate_meeting(participants=60, motions=20, agenda_items=10, polls=4)
    return Writes(Meeting.from_export(export))


def test_the_permission_change_is_in_the_middle_by_default_or_where_asked(writes: Writes) -> None:
    plan = writes.plan(30)
    assert middle(30) == 15
    assert plan.index(PERMISSION) == 14 and plan.count(PERMISSION) == 1 and len(plan) == 30
    assert writes.plan(6, 1)[0] == PERMISSION
    assert writes.plan(6, 6)[-1] == PERMISSION
    assert writes.plan(1) == [PERMISSION]
    with pytest.raises(ValueError, match="one of the 6 writes, not number 7"):
        writes.plan(6, 7)


def test_speakers_are_added_to_lists_the_meeting_request_reaches(writes: Writes) -> None:
    meeting = writes.meeting
    for index in range(20):
        speaker = writes.build("speaker", index)[0]
        list_of_speakers = meeting.get("list_of_speakers", speaker.fields["list_of_speakers_id"])
        collection, _, raw_id = list_of_speakers["content_object_id"].partition("/")
        assert meeting.get(collection, int(raw_id)).get("agenda_item_id"), list_of_speakers
