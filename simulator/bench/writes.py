"""The meeting as the benchmark sees it, and the realistic writes of scenario B2.

``Meeting`` holds the current objects (from the generated export or read from Postgres) and is
kept current from the ``ModifiedFields`` entries of the writes, so each write is built on the
data as it is now and a second run against the same database still changes something.
``Writes`` builds the events of what participants do in a meeting, consistent in both
directions of every relation: a motion title edit, a speaker added to a list of speakers (of
an object on the agenda, as the meeting request reaches lists through agenda items), a
vote cast in a started poll, a projector switched to another motion, and a permission change
of the default (Delegates) group.

A vote cast in a started poll is written as what the datastore shows of it (the voter in
``poll/voted_ids`` and ``user/poll_voted_ids``, ``poll/votescast`` raised); the vote itself
stays in the vote service until the poll stops, as in OpenSlides.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import asyncpg

ROLES = ("admin", "staff", "delegate")
CONTENT_KINDS = ("title", "speaker", "vote", "projector")
PERMISSION = "permission"
_EDIT = re.compile(r" \(edit (\d+)\)$")
_SEE_INTERNAL, _SEE = "agenda_item.can_see_internal", "agenda_item.can_see"


@dataclass(frozen=True)
class Change:
    """One event as the datastore writer takes it (see ``adapters.postgres_writer.WriteEvent``)."""

    type: Literal["create", "update"]
    fqid: str
    fields: dict[str, Any] = field(default_factory=dict)
    list_fields: dict[str, dict[str, list[Any]]] = field(default_factory=dict)


def middle(count: int) -> int:
    """The default position of the permission change among ``count`` writes (15 of 30)."""
    return max(1, count // 2)


def create_events(export: dict[str, Any]) -> list[Change]:
    """One create event per object of an export (keys starting with ``_`` are bookkeeping)."""
    return [
        Change("create", f"{collection}/{raw_id}", obj)
        for collection, objects in export.items()
        if not collection.startswith("_")
        for raw_id, obj in objects.items()
    ]


class Meeting:
    """Current objects by fqid, plus the highest id ever used per collection."""

    def __init__(self, objects: dict[str, dict[str, Any]], highest: dict[str, int], meeting_id: int = 1):
        self.objects = objects
        self.meeting_id = meeting_id
        self._highest = highest

    @classmethod
    def from_export(cls, export: dict[str, Any]) -> Meeting:
        objects = {change.fqid: dict(change.fields) for change in create_events(export)}
        return cls(objects, _highest(objects))

    @classmethod
    async def from_database(cls, url: str) -> Meeting:
        """Every object of the ``models`` table (deleted ones count for the highest ids)."""
        conn = await asyncpg.connect(url)
        try:
            rows = await conn.fetch("SELECT fqid, data::text, deleted FROM models")
        finally:
            await conn.close()
        objects = {fqid: json.loads(data) for fqid, data, deleted in rows if not deleted}
        return cls(objects, _highest(fqid for fqid, _, _ in rows))

    def get(self, collection: str, id_: int) -> dict[str, Any]:
        return self.objects.get(f"{collection}/{id_}", {})

    @property
    def meeting(self) -> dict[str, Any]:
        return self.get("meeting", self.meeting_id)

    def next_id(self, collection: str) -> int:
        self._highest[collection] = self._highest.get(collection, 0) + 1
        return self._highest[collection]

    def apply(self, modified: dict[str, str]) -> None:
        """Follow a write: its ``ModifiedFields`` entry (JSON values, null removes a field)."""
        for key, raw in modified.items():
            fqid, _, name = key.rpartition("/")
            if name.startswith("meta_"):
                continue
            value = json.loads(raw)
            if value is None:
                self.objects.get(fqid, {}).pop(name, None)
            else:
                self.objects.setdefault(fqid, {})[name] = value
        for fqid in [fqid for fqid, obj in self.objects.items() if not obj]:
            del self.objects[fqid]

    def roles(self) -> dict[str, list[int]]:
        """User ids of the meeting by role: admins (superadmins only if there is nobody else),
        staff (neither admin nor default group), delegates (only the default group)."""
        meeting = self.meeting
        admin_group, default_group = meeting.get("admin_group_id"), meeting.get("default_group_id")
        roles: dict[str, list[int]] = {role: [] for role in ROLES}
        superadmins: list[int] = []
        for meeting_user_id in meeting.get("meeting_user_ids", []):
            meeting_user = self.get("meeting_user", meeting_user_id)
            user_id, groups = meeting_user.get("user_id"), meeting_user.get("group_ids", [])
            if user_id is None or not groups:
                continue
            if admin_group in groups:
                level = self.get("user", user_id).get("organization_management_level")
                (superadmins if level == "superadmin" else roles["admin"]).append(user_id)
            elif groups == [default_group]:
                roles["delegate"].append(user_id)
            else:
                roles["staff"].append(user_id)
        roles["admin"] = roles["admin"] or superadmins
        return {role: sorted(users) for role, users in roles.items()}

    def role_mix(self, count: int) -> list[int]:
        """``count`` users spread evenly over all roles, so the mix is the meeting's (distinct
        while ``count`` does not exceed the participants)."""
        everybody = [user for role in ROLES for user in self.roles()[role]]
        if not everybody:
            raise ValueError("the meeting has no participants")
        step = len(everybody) / count
        return [everybody[int(index * step) % len(everybody)] for index in range(count)]


def _highest(fqids: Iterable[str]) -> dict[str, int]:
    highest: dict[str, int] = {}
    for fqid in fqids:
        collection, _, raw_id = fqid.partition("/")
        highest[collection] = max(highest.get(collection, 0), int(raw_id))
    return highest


class Writes:
    """Builds each kind of write on the meeting's current data."""

    def __init__(self, meeting: Meeting) -> None:
        self.meeting = meeting

    def plan(self, count: int, permission_at: int | None = None) -> list[str]:
        """``count`` kinds: the content writes in turn, the permission change as write number
        ``permission_at`` (1-based; default: the middle, so content writes follow it)."""
        if count <= 0:
            return []
        at = middle(count) if permission_at is None else permission_at
        if not 1 <= at <= count:
            raise ValueError(f"the permission change must be one of the {count} writes, not number {at}")
        kinds = [kind for kind in CONTENT_KINDS if kind != "vote" or self._voter() is not None]
        content = [kinds[index % len(kinds)] for index in range(count - 1)]
        return [*content[: at - 1], PERMISSION, *content[at - 1 :]]

    def build(self, kind: str, index: int) -> list[Change]:
        build = {
            "title": self._title,
            "speaker": self._speaker,
            "vote": self._vote,
            "projector": self._projector,
            PERMISSION: self._permission,
        }[kind]
        return build(index)

    def _visible_motions(self) -> list[int]:
        """Motions in a state without restrictions (everybody with motion.can_see sees them)."""
        motions = []
        for motion_id in self.meeting.meeting.get("motion_ids", []):
            state = self.meeting.get("motion_state", self.meeting.get("motion", motion_id).get("state_id", 0))
            if not state.get("restrictions"):
                motions.append(motion_id)
        return motions or list(self.meeting.meeting.get("motion_ids", []))

    def _title(self, index: int) -> list[Change]:
        motions = self._visible_motions()
        motion_id = motions[index * 7 % len(motions)]
        title = self.meeting.get("motion", motion_id).get("title", "")
        edit = _EDIT.search(title)
        base = title[: edit.start()] if edit else title
        number = int(edit.group(1)) + 1 if edit else 1
        return [Change("update", f"motion/{motion_id}", {"title": f"{base} (edit {number})"})]

    def _speaker(self, index: int) -> list[Change]:
        meeting = self.meeting
        lists = [
            list_id
            for list_id in meeting.meeting.get("list_of_speakers_ids", [])
            if not meeting.get("list_of_speakers", list_id).get("closed")
        ]
        on_agenda = [list_id for list_id in lists if self._on_agenda(list_id)]
        lists = on_agenda or lists
        list_id = lists[index * 5 % len(lists)]
        speakers = [
            meeting.get("speaker", s) for s in meeting.get("list_of_speakers", list_id).get("speaker_ids", [])
        ]
        waiting = {s.get("meeting_user_id") for s in speakers if s.get("begin_time") is None}
        delegates = set(meeting.roles()["delegate"])
        candidates = [
            mu_id
            for mu_id in meeting.meeting.get("meeting_user_ids", [])
            if mu_id not in waiting and meeting.get("meeting_user", mu_id).get("user_id") in delegates
        ]
        meeting_user_id = candidates[index * 13 % len(candidates)]
        speaker_id = meeting.next_id("speaker")
        weight = max((s.get("weight", 0) for s in speakers), default=0) + 1
        speaker = {
            "id": speaker_id,
            "list_of_speakers_id": list_id,
            "meeting_user_id": meeting_user_id,
            "meeting_id": meeting.meeting_id,
            "weight": weight,
        }
        add = {"add": {"speaker_ids": [speaker_id]}}
        return [
            Change("create", f"speaker/{speaker_id}", speaker),
            Change("update", f"list_of_speakers/{list_id}", list_fields=add),
            Change("update", f"meeting_user/{meeting_user_id}", list_fields=add),
            Change("update", f"meeting/{meeting.meeting_id}", list_fields=add),
        ]

    def _on_agenda(self, list_id: int) -> bool:
        """The list's object is on the agenda: the list is one the meeting request shows (it
        reaches lists of speakers through the agenda items)."""
        collection, _, raw_id = (
            self.meeting.get("list_of_speakers", list_id).get("content_object_id", "").partition("/")
        )
        return bool(raw_id.isdigit() and self.meeting.get(collection, int(raw_id)).get("agenda_item_id"))

    def _voter(self) -> tuple[int, int] | None:
        """A started poll and an entitled user who has not voted yet."""
        meeting = self.meeting
        for poll_id in meeting.meeting.get("poll_ids", []):
            poll = meeting.get("poll", poll_id)
            if poll.get("state") != "started":
                continue
            voted = set(poll.get("voted_ids", []))
            for group_id in poll.get("entitled_group_ids", []):
                for mu_id in meeting.get("group", group_id).get("meeting_user_ids", []):
                    user_id = meeting.get("meeting_user", mu_id).get("user_id")
                    if user_id is not None and user_id not in voted:
                        return poll_id, user_id
        return None

    def _vote(self, index: int) -> list[Change]:
        found = self._voter()
        if found is None:
            return self._title(index)
        poll_id, user_id = found
        cast = float(self.meeting.get("poll", poll_id).get("votescast") or 0) + 1
        return [
            Change(
                "update",
                f"poll/{poll_id}",
                {"votescast": f"{cast:.6f}"},
                {"add": {"voted_ids": [user_id]}},
            ),
            Change("update", f"user/{user_id}", list_fields={"add": {"poll_voted_ids": [poll_id]}}),
        ]

    def _projector(self, index: int) -> list[Change]:
        """Project another motion on the reference projector: its unstable current projections
        go to the history, a new projection becomes current."""
        meeting = self.meeting
        projector_id = meeting.meeting.get("reference_projector_id") or meeting.meeting["projector_ids"][0]
        projector = meeting.get("projector", projector_id)
        current = projector.get("current_projection_ids", [])
        leaving = [p for p in current if not meeting.get("projection", p).get("stable")]
        motions = self._visible_motions()
        motion_id = motions[(index * 11 + 3) % len(motions)]
        projection_id = meeting.next_id("projection")
        projection = {
            "id": projection_id,
            "content_object_id": f"motion/{motion_id}",
            "current_projector_id": projector_id,
            "meeting_id": meeting.meeting_id,
            "stable": False,
            "weight": max((meeting.get("projection", p).get("weight", 0) for p in current), default=0) + 1,
        }
        projector_lists = {
            "add": {"current_projection_ids": [projection_id], "history_projection_ids": leaving},
            "remove": {"current_projection_ids": leaving},
        }
        return [
            *(
                Change(
                    "update",
                    f"projection/{p}",
                    {"current_projector_id": None, "history_projector_id": projector_id},
                )
                for p in leaving
            ),
            Change("create", f"projection/{projection_id}", projection),
            Change("update", f"projector/{projector_id}", list_fields=projector_lists),
            Change("update", f"motion/{motion_id}", list_fields={"add": {"projection_ids": [projection_id]}}),
            Change(
                "update",
                f"meeting/{meeting.meeting_id}",
                list_fields={"add": {"all_projection_ids": [projection_id]}},
            ),
        ]

    def _permission(self, index: int) -> list[Change]:
        """The default group may see internal agenda items, or no longer (and back next time)."""
        group_id = self.meeting.meeting["default_group_id"]
        permissions = list(self.meeting.get("group", group_id).get("permissions", []))
        if _SEE_INTERNAL in permissions:
            permissions[permissions.index(_SEE_INTERNAL)] = _SEE
        elif _SEE in permissions:
            permissions[permissions.index(_SEE)] = _SEE_INTERNAL
        else:
            permissions.append(_SEE_INTERNAL)
        return [Change("update", f"group/{group_id}", {"permissions": permissions})]
