"""Topics, elections (assignments), the agenda tree and the lists of speakers with speakers.

Why: the agenda is what a participant sees first and what the projector shows; it references its
content through the generic ``content_object_id`` and every content object has a list of
speakers. The meeting is "in progress": items before the current one are closed with finished
speakers, the current one has a speaker talking, later ones have waiting speakers.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random

from simulator.generate_organization import MEETING_ID
from simulator.generate_participants import People
from simulator.generate_store import ExportBuilder
from simulator.generate_words import BASE_TIMESTAMP, frame_topic_titles, html_paragraphs, sentence

Fqid = tuple[str, int]


@dataclass(frozen=True)
class Agenda:
    """What later parts (polls, projectors) need to know about the agenda."""

    topics: tuple[int, ...]
    assignments: tuple[int, ...]
    items: tuple[int, ...]
    current_item: int
    current_content: Fqid


def add_list_of_speakers(builder: ExportBuilder, collection: str, id_: int) -> int:
    """The list of speakers every motion, block, topic and election must have."""
    los = builder.add("list_of_speakers", {"sequential_number": builder.next_id("list_of_speakers")})
    builder.link("list_of_speakers", los, "content_object_id", id_, collection)
    builder.link("list_of_speakers", los, "meeting_id", MEETING_ID)
    return los


def build_agenda(
    builder: ExportBuilder,
    rng: Random,
    people: People,
    motions_on_agenda: list[int],
    agenda_items: int,
    speakers_per_list: int,
    tags: list[int],
    assignments: int,
) -> Agenda:
    """Exactly ``agenda_items`` items: ``assignments`` elections (at most a tenth of the items,
    or one from 4 items on), two thirds of the rest motions, the others topics.

    Agenda order: opening topics, elections, "Resolutions" topics with the motions as children,
    reports and closing topics. ``motions_on_agenda`` are candidates in agenda order; only as
    many as needed are used. Every item's content has a list of speakers with speakers.
    """
    n_assignments = min(assignments, max(1, agenda_items // 10) if agenda_items >= 4 else 0)
    n_motions = min(len(motions_on_agenda), (agenda_items - n_assignments) * 2 // 3)
    n_topics = agenda_items - n_assignments - n_motions
    n_parents = min(-(-n_motions // 10), max(1, n_topics - 2))
    frame = [_build_topic(builder, rng, title) for title in frame_topic_titles(n_topics - n_parents)]
    parents = [
        _build_topic(builder, rng, f"Resolutions {k}" if n_parents > 1 else "Resolutions")
        for k in range(1, n_parents + 1)
    ]
    elections = [_build_assignment(builder, rng, people, index) for index in range(n_assignments)]
    split = min(4, len(frame))
    top_level: list[Fqid] = [
        *(("topic", topic) for topic in frame[:split]),
        *(("assignment", assignment) for assignment in elections),
        *(("topic", topic) for topic in parents),
        *(("topic", topic) for topic in frame[split:]),
    ]
    children = _motion_children(parents, motions_on_agenda[:n_motions])
    order = _build_items(builder, rng, top_level, children, tags)
    current = _current_index(order)
    for position, (item, content) in enumerate(order):
        done = position < current and not _has_open_child(builder, item, order[current][0])
        builder.get("agenda_item", item)["closed"] = done
        phase = "past" if done else "current" if position == current else "future"
        los = builder.get(*content)["list_of_speakers_id"]
        _build_speakers(builder, rng, people, los, speakers_per_list, phase, position)
    return Agenda(
        topics=tuple(frame + parents),
        assignments=tuple(elections),
        items=tuple(item for item, _ in order),
        current_item=order[current][0],
        current_content=order[current][1],
    )


def _has_open_child(builder: ExportBuilder, item: int, current: int) -> bool:
    """Whether a child of ``item`` is the current item or comes after it (ids follow agenda order)."""
    return any(child >= current for child in builder.get("agenda_item", item).get("child_ids", []))


def _build_topic(builder: ExportBuilder, rng: Random, title: str) -> int:
    topic = builder.add(
        "topic",
        {"title": title, "text": html_paragraphs(rng, 1), "sequential_number": builder.next_id("topic")},
    )
    builder.link("topic", topic, "meeting_id", MEETING_ID)
    add_list_of_speakers(builder, "topic", topic)
    return topic


ELECTIONS = (
    "Election of the board",
    "Election of the auditors",
    "Election of delegates",
    "Election of the chair",
    "Election of the arbitration committee",
)


def _build_assignment(builder: ExportBuilder, rng: Random, people: People, index: int) -> int:
    """An election with a few delegates as candidates, looking for candidates until its ballot
    (``generate_polls``) moves it to voting or finished."""
    round_, kind = divmod(index, len(ELECTIONS))
    title = ELECTIONS[kind] + (f" ({round_ + 1})" if round_ else "")
    assignment = builder.add(
        "assignment",
        {
            "title": title,
            "description": f"<p>{sentence(rng, 12)}</p>",
            "open_posts": rng.randint(1, 3),
            "phase": "search",
            "sequential_number": builder.next_id("assignment"),
            "default_poll_description": "Ballot",
            "number_poll_candidates": False,
        },
    )
    builder.link("assignment", assignment, "meeting_id", MEETING_ID)
    add_list_of_speakers(builder, "assignment", assignment)
    for weight, mu in enumerate(rng.sample(people.delegates, min(len(people.delegates), 4)), start=1):
        candidate = builder.add("assignment_candidate", {"weight": weight})
        builder.link("assignment_candidate", candidate, "assignment_id", assignment)
        builder.link("assignment_candidate", candidate, "meeting_user_id", mu)
        builder.link("assignment_candidate", candidate, "meeting_id", MEETING_ID)
    return assignment


def _motion_children(parents: list[int], motions: list[int]) -> dict[int, list[int]]:
    """Motion items split evenly (in order) below the "Resolutions" topics."""
    if not parents:
        return {}
    size = -(-len(motions) // len(parents))
    return {parent: motions[i * size : (i + 1) * size] for i, parent in enumerate(parents)}


def _build_items(
    builder: ExportBuilder,
    rng: Random,
    top_level: list[Fqid],
    children: dict[int, list[int]],
    tags: list[int],
) -> list[tuple[int, Fqid]]:
    """Agenda items in agenda order (ids follow it); returns (item id, content object) pairs."""
    order: list[tuple[int, Fqid]] = []
    for number, content in enumerate(top_level, start=1):
        kids = children.get(content[1], []) if content[0] == "topic" else []
        kind = (
            "common"
            if kids or content[0] != "topic"
            else rng.choices(("common", "internal", "hidden"), (16, 2, 1))[0]
        )
        item = _add_item(builder, rng, content, f"TOP {number}", kind, len(order) + 1, tags)
        order.append((item, content))
        for sub, motion in enumerate(kids, start=1):
            child = _add_item(
                builder, rng, ("motion", motion), f"TOP {number}.{sub}", "common", len(order) + 1, tags
            )
            builder.link("agenda_item", child, "parent_id", item)
            builder.get("agenda_item", child)["level"] = 1
            order.append((child, ("motion", motion)))
    return order


def _add_item(
    builder: ExportBuilder, rng: Random, content: Fqid, number: str, kind: str, weight: int, tags: list[int]
) -> int:
    fields: dict[str, object] = {
        "item_number": number,
        "type": kind,
        "weight": weight,
        "level": 0,
        "duration": rng.choice((300, 600, 900, 1200)),
        "is_internal": kind == "internal",
        "is_hidden": kind == "hidden",
    }
    item = builder.add("agenda_item", fields)
    builder.link("agenda_item", item, "content_object_id", content[1], content[0])
    builder.link("agenda_item", item, "meeting_id", MEETING_ID)
    if tags and rng.random() < 0.1:
        builder.link("agenda_item", item, "tag_ids", rng.choice(tags))
    return item


def _current_index(order: list[tuple[int, Fqid]]) -> int:
    """The item being discussed: the first motion item after 40 % of the agenda (else that item)."""
    start = len(order) * 2 // 5
    for position in range(start, len(order)):
        if order[position][1][0] == "motion":
            return position
    return start


def _build_speakers(
    builder: ExportBuilder, rng: Random, people: People, los: int, count: int, phase: str, position: int
) -> None:
    """``count`` distinct speakers; finished, one speaking, or waiting depending on the phase."""
    chosen = rng.sample(people.speakers, min(count, len(people.speakers)))
    talking = len(chosen) // 2 if phase == "current" else -1
    start = BASE_TIMESTAMP + 3_600 + position * 1_200
    for index, mu in enumerate(chosen):
        fields: dict[str, object] = {"weight": index + 1}
        if phase == "past" or index < talking:
            fields.update(begin_time=start + index * 90, end_time=start + index * 90 + 80)
        elif index == talking:
            fields["begin_time"] = start + index * 90
        if rng.random() < 0.03:
            fields.update(point_of_order=True, note="Point of order")
        speaker = builder.add("speaker", fields)
        builder.link("speaker", speaker, "list_of_speakers_id", los)
        builder.link("speaker", speaker, "meeting_user_id", mu)
        builder.link("speaker", speaker, "meeting_id", MEETING_ID)
    if phase == "past":
        builder.get("list_of_speakers", los)["closed"] = True
