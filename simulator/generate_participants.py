"""Groups with permissions, users and meeting users, structure levels, presence, vote
delegations and chat groups of the generated meeting.

Why: permission situations drive the service's cost (one computation per distinct situation),
so the role mix follows a real assembly: about 1 % admins, 5 % staff, the rest delegates, plus
the anonymous group for public access. Meeting user ``n`` always belongs to user ``n``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from random import Random

from simulator.generate_organization import COMMITTEE_ID, MEETING_ID, ORGANIZATION_ID
from simulator.generate_store import ExportBuilder
from simulator.generate_words import FIRST_NAMES, LAST_NAMES, PRONOUNS, STRUCTURE_LEVELS, TITLES, token

DELEGATE_PERMISSIONS = (
    "agenda_item.can_see_internal",
    "assignment.can_nominate_other",
    "assignment.can_nominate_self",
    "list_of_speakers.can_be_speaker",
    "list_of_speakers.can_see",
    "mediafile.can_see",
    "meeting.can_see_autopilot",
    "meeting.can_see_frontpage",
    "meeting.can_see_livestream",
    "motion.can_create",
    "motion.can_create_amendments",
    "motion.can_support",
    "projector.can_see",
    "user.can_see",
)
STAFF_PERMISSIONS = (
    "agenda_item.can_manage",
    "assignment.can_manage",
    "assignment.can_manage_polls",
    "assignment.can_nominate_self",
    "chat.can_manage",
    "list_of_speakers.can_be_speaker",
    "list_of_speakers.can_manage",
    "list_of_speakers.can_manage_moderator_notes",
    "mediafile.can_manage",
    "meeting.can_see_autopilot",
    "meeting.can_see_frontpage",
    "meeting.can_see_history",
    "meeting.can_see_livestream",
    "motion.can_manage",
    "motion.can_manage_polls",
    "motion.can_see_origin",
    "poll.can_manage",
    "projector.can_manage",
    "tag.can_manage",
    "user.can_manage",
)
ANONYMOUS_PERMISSIONS = (
    "agenda_item.can_see",
    "assignment.can_see",
    "list_of_speakers.can_see",
    "mediafile.can_see",
    "meeting.can_see_frontpage",
    "motion.can_see",
    "projector.can_see",
)


@dataclass(frozen=True)
class People:
    """Group ids and meeting user ids by role (meeting user ``n`` is user ``n``)."""

    delegate_group: int
    admin_group: int
    staff_group: int
    anonymous_group: int
    admins: tuple[int, ...]
    staff: tuple[int, ...]
    delegates: tuple[int, ...]
    present: frozenset[int]
    delegated_to: dict[int, int]
    """Vote delegations: absent delegate's meeting user → the present delegate voting for them."""

    @property
    def speakers(self) -> tuple[int, ...]:
        """Meeting users allowed on lists of speakers (``list_of_speakers.can_be_speaker``)."""
        return self.staff + self.delegates


def role_sizes(participants: int) -> tuple[int, int, int]:
    """(admins, staff, delegates): about 1 % and 5 %, at least one of each."""
    admins = max(1, round(participants * 0.01))
    staff = max(1, round(participants * 0.05))
    return admins, staff, participants - admins - staff


def build_participants(builder: ExportBuilder, rng: Random, participants: int, delegations: int) -> People:
    """``participants`` users with meeting users in the role mix, and up to ``delegations`` vote
    delegations (fewer only if fewer delegates are absent)."""
    groups = _build_groups(builder)
    n_admins, n_staff, _ = role_sizes(participants)
    levels = _build_structure_levels(builder)
    names = _names(rng, participants)
    for index in range(participants):
        user = _build_user(builder, rng, index, names[index])
        is_delegate = index >= n_admins + n_staff
        role_group = groups[1] if index < n_admins else groups[0] if is_delegate else groups[2]
        _build_meeting_user(builder, rng, user, role_group, rng.choice(levels) if is_delegate else None)
    ids = tuple(range(1, participants + 1))
    delegates = ids[n_admins + n_staff :]
    present = _build_presence(builder, rng, ids, n_admins + n_staff)
    people = People(
        delegate_group=groups[0],
        admin_group=groups[1],
        staff_group=groups[2],
        anonymous_group=groups[3],
        admins=ids[:n_admins],
        staff=ids[n_admins : n_admins + n_staff],
        delegates=delegates,
        present=present,
        delegated_to=_build_vote_delegations(builder, rng, delegates, present, delegations),
    )
    _build_chat_groups(builder, people)
    builder.get("meeting", MEETING_ID)["user_ids"] = list(ids)
    return people


def _build_groups(builder: ExportBuilder) -> tuple[int, int, int, int]:
    """Delegates (default), Admin, Staff, Anonymous, with the meeting's special-group links."""
    specs = (
        ("Delegates", DELEGATE_PERMISSIONS, "default_group_id"),
        ("Admin", (), "admin_group_id"),
        ("Staff", STAFF_PERMISSIONS, ""),
        ("Anonymous", ANONYMOUS_PERMISSIONS, "anonymous_group_id"),
    )
    ids: list[int] = []
    for weight, (name, permissions, meeting_field) in enumerate(specs, start=1):
        group = builder.add("group", {"name": name, "permissions": list(permissions), "weight": weight})
        builder.link("group", group, "meeting_id", MEETING_ID)
        if meeting_field:
            builder.link("meeting", MEETING_ID, meeting_field, group)
        ids.append(group)
    for poll_kind in ("motion_poll", "assignment_poll", "poll", "topic_poll"):
        builder.link("meeting", MEETING_ID, f"{poll_kind}_default_group_ids", ids[0])
    return ids[0], ids[1], ids[2], ids[3]


def _build_structure_levels(builder: ExportBuilder) -> list[int]:
    colors = ("#2196f3", "#e91e63", "#4caf50", "#ff9800", "#9c27b0", "#795548")
    ids = []
    for name, color in zip(STRUCTURE_LEVELS, colors, strict=True):
        level = builder.add("structure_level", {"name": name, "color": color, "default_time": 600})
        builder.link("structure_level", level, "meeting_id", MEETING_ID)
        ids.append(level)
    return ids


def _names(rng: Random, count: int) -> list[tuple[str, str, str]]:
    """(username, first name, last name) per participant; usernames are always distinct.

    Name pairs are distinct too as long as the word lists have enough combinations; beyond
    that pairs repeat and the username gets a number.
    """
    pairs = list(itertools.product(FIRST_NAMES, LAST_NAMES))
    rng.shuffle(pairs)
    result = [("admin", "", "Administrator")]
    for index in range(count - 1):
        first, last = pairs[index % len(pairs)]
        round_ = index // len(pairs)
        username = f"{first}.{last}".lower() + (str(round_ + 1) if round_ else "")
        result.append((username, first, last))
    return result


def _build_user(builder: ExportBuilder, rng: Random, index: int, names: tuple[str, str, str]) -> int:
    username, first, last = names
    fields = {
        "username": username,
        "last_name": last,
        "email": f"{username}@example.com",
        "default_password": token(rng, 10),
        "member_number": f"M{index + 1:05d}",
        "meeting_ids": [MEETING_ID],
    }
    if first:
        fields["first_name"] = first
    if rng.random() < 0.05:
        fields["title"] = rng.choice(TITLES)
    if rng.random() < 0.1:
        fields["pronoun"] = rng.choice(PRONOUNS)
    if index == 0:
        fields["organization_management_level"] = "superadmin"
    user = builder.add("user", fields)
    builder.link("user", user, "organization_id", ORGANIZATION_ID)
    builder.link("user", user, "committee_ids", COMMITTEE_ID)
    if index == 0:
        builder.link("user", user, "committee_management_ids", COMMITTEE_ID)
    if rng.random() < 0.9:
        builder.link("user", user, "gender_id", rng.randint(1, len(builder.ids("gender"))))
    return user


def _build_meeting_user(
    builder: ExportBuilder, rng: Random, user: int, group: int, level: int | None
) -> None:
    fields: dict[str, object] = {"number": f"{user:05d}", "vote_weight": "1.000000"}
    if rng.random() < 0.05:
        fields["about_me"] = "<p>Delegate since many years.</p>"
    if rng.random() < 0.05:
        fields["comment"] = "<p>Needs a seat near the exit.</p>"
    meeting_user = builder.add("meeting_user", fields)
    assert meeting_user == user, "meeting user n must belong to user n"
    builder.link("meeting_user", meeting_user, "user_id", user)
    builder.link("meeting_user", meeting_user, "meeting_id", MEETING_ID)
    builder.link("meeting_user", meeting_user, "group_ids", group)
    if level is not None:
        builder.link("meeting_user", meeting_user, "structure_level_ids", level)


def _build_presence(
    builder: ExportBuilder, rng: Random, ids: tuple[int, ...], officials: int
) -> frozenset[int]:
    """Admins and staff are present, about three quarters of the delegates too."""
    present = [user for user in ids if user <= officials or rng.random() < 0.75]
    for user in present:
        builder.link("user", user, "is_present_in_meeting_ids", MEETING_ID)
    return frozenset(present)


def _build_vote_delegations(
    builder: ExportBuilder, rng: Random, delegates: tuple[int, ...], present: frozenset[int], count: int
) -> dict[int, int]:
    """``count`` absent delegates (fewer if fewer are absent) delegated their vote to a present
    delegate; nobody both gives and receives, as OpenSlides forbids chains."""
    absent = [mu for mu in delegates if mu not in present]
    receivers = [mu for mu in delegates if mu in present]
    if not receivers:
        return {}
    delegated_to = {mu: rng.choice(receivers) for mu in sorted(rng.sample(absent, min(len(absent), count)))}
    for mu, receiver in delegated_to.items():
        builder.link("meeting_user", mu, "vote_delegated_to_id", receiver)
    return delegated_to


def _build_chat_groups(builder: ExportBuilder, people: People) -> None:
    specs = (
        ("General", (people.delegate_group, people.staff_group, people.admin_group)),
        ("Organisation team", (people.staff_group, people.admin_group)),
    )
    for weight, (name, groups) in enumerate(specs, start=1):
        chat = builder.add("chat_group", {"name": name, "weight": weight})
        builder.link("chat_group", chat, "meeting_id", MEETING_ID)
        for group in groups:
            builder.link("chat_group", chat, "read_group_ids", group)
            builder.link("chat_group", chat, "write_group_ids", group)
