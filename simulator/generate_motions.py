"""Motions with their workflows and states, categories, blocks, submitters, supporters,
amendments, comment sections and comments, change recommendations, tags and personal notes.

Why: motions are the bulk of a meeting request (title, number, state, submitters → names) and
their restriction rules depend on states, submitters, comment section groups and the
``internal`` flag of change recommendations, so all of these vary across the generated motions.
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random
from typing import Any, NamedTuple

from simulator.generate_agenda import add_list_of_speakers
from simulator.generate_organization import MEETING_ID
from simulator.generate_participants import People
from simulator.generate_store import ExportBuilder
from simulator.generate_words import BASE_TIMESTAMP, CATEGORY_NAMES, html_paragraphs, motion_title, sentence


class _State(NamedTuple):
    """One state of a default OpenSlides workflow; ``next`` holds indexes into the workflow."""

    name: str
    label: str | None
    css_class: str
    set_number: bool
    merge: str
    next: tuple[int, ...] = ()
    allow_support: bool = False
    allow_create_poll: bool = False
    restrictions: tuple[str, ...] = ()


SIMPLE_WORKFLOW = (
    _State("submitted", None, "lightblue", True, "undefined", (1, 2, 3), True, True),
    _State("accepted", "Acceptance", "green", True, "do_merge"),
    _State("rejected", "Rejection", "red", True, "do_not_merge"),
    _State("not decided", "No decision", "grey", True, "undefined"),
)
COMPLEX_WORKFLOW = (
    _State("in progress", None, "lightblue", False, "undefined", (1, 5)),
    _State("submitted", None, "lightblue", False, "undefined", (2, 5, 10), True),
    _State("permitted", "Permission", "lightblue", True, "undefined", (3, 4, 5, 6, 7, 8, 9), False, True),
    _State("accepted", "Acceptance", "green", True, "do_merge"),
    _State("rejected", "Rejection", "red", True, "do_not_merge"),
    _State("withdrawn", None, "grey", True, "do_not_merge"),
    _State("adjourned", "Adjournment", "grey", True, "do_not_merge"),
    _State("not concerned", "No concernment", "grey", True, "do_not_merge"),
    _State("referred to committee", "Referral to committee", "grey", True, "do_not_merge"),
    _State("needs review", None, "grey", True, "do_not_merge"),
    _State("rejected (not authorized)", "Rejection (not authorized)", "grey", True, "do_not_merge"),
)
DRAFT = _State(
    "draft", None, "lightblue", False, "undefined", (0, 1),
    restrictions=("motion.can_see_internal", "motion.can_manage_metadata", "is_submitter"),
)  # fmt: skip
"""A state seen only by its motions' submitters and managers: with ``restricted`` motions in
it, their submitters' views differ in which keys are requested (groups of their own)."""


@dataclass(frozen=True)
class Motions:
    main: tuple[int, ...]
    amendments: tuple[int, ...]


@dataclass(frozen=True)
class _Workflow:
    id: int
    states: tuple[int, ...]


def build_tags(builder: ExportBuilder) -> list[int]:
    ids = []
    for name in ("Urgent", "Budget relevant", "Statute", "Postponed", "Board"):
        tag = builder.add("tag", {"name": name})
        builder.link("tag", tag, "meeting_id", MEETING_ID)
        ids.append(tag)
    return ids


def build_motions(
    builder: ExportBuilder, rng: Random, people: People, count: int, tags: list[int], restricted: int = 0
) -> Motions:
    """``count`` motions, about a tenth of them amendments to earlier motions; the first
    ``restricted`` ones in the complex workflow's restricted ``draft`` state (only with
    ``restricted`` > 0 has the workflow that state)."""
    simple = _build_workflow(builder, "Simple Workflow", SIMPLE_WORKFLOW)
    complex_ = _build_workflow(
        builder, "Complex Workflow", COMPLEX_WORKFLOW + ((DRAFT,) if restricted else ())
    )
    draft_state = complex_.states[-1] if restricted else 0
    complex_ = _Workflow(complex_.id, complex_.states[: len(COMPLEX_WORKFLOW)])  # none in draft by chance
    builder.link("meeting", MEETING_ID, "motions_default_workflow_id", simple.id)
    builder.link("meeting", MEETING_ID, "motions_default_amendment_workflow_id", simple.id)
    categories = _build_categories(builder, max(1, min(len(CATEGORY_NAMES), count // 40)))
    blocks = _build_blocks(builder, max(1, count // 40))
    sections = _build_comment_sections(builder, people)
    n_amendments = count // 10
    numbers: dict[int, int] = {}
    main = []
    for index in range(count - n_amendments):
        workflow = simple if rng.random() < 0.85 else complex_
        draft = draft_state if index < restricted else None
        motion = _build_motion(
            builder,
            rng,
            people,
            complex_ if draft else workflow,
            _lead_fields(builder, rng, categories, numbers),
            draft,
        )
        main.append(motion)
        _decorate(builder, rng, motion, blocks, tags)
    amendments = []
    for _ in range(n_amendments):
        lead = rng.choice(main)
        motion = _build_motion(builder, rng, people, simple, _amendment_fields(builder, rng, lead))
        builder.link("motion", motion, "lead_motion_id", lead)
        amendments.append(motion)
    for motion in main + amendments:
        _build_comments(builder, rng, motion, sections)
        _build_change_recommendations(builder, rng, motion)
    _build_personal_notes(builder, rng, people, main)
    return Motions(main=tuple(main), amendments=tuple(amendments))


def _build_workflow(builder: ExportBuilder, name: str, spec: tuple[_State, ...]) -> _Workflow:
    workflow_id = builder.next_id("motion_workflow")
    states = []
    for index, state in enumerate(spec):
        fields: dict[str, Any] = {
            "name": state.name,
            "weight": builder.next_id("motion_state"),
            "css_class": state.css_class,
            "set_number": state.set_number,
            "merge_amendment_into_final": state.merge,
            "allow_support": state.allow_support,
            "allow_create_poll": state.allow_create_poll,
            "allow_submitter_edit": index == 0,
            "allow_motion_forwarding": True,
            "allow_amendment_forwarding": index > 0,
            "set_workflow_timestamp": index == 0,
        }
        if state.label:
            fields["recommendation_label"] = state.label
        if state.restrictions:
            fields["restrictions"] = list(state.restrictions)
        states.append(builder.add("motion_state", fields))
    workflow = builder.add("motion_workflow", {"name": name, "sequential_number": workflow_id})
    builder.link("motion_workflow", workflow, "meeting_id", MEETING_ID)
    builder.link("motion_workflow", workflow, "first_state_id", states[0])
    for state_id, state in zip(states, spec, strict=True):
        builder.link("motion_state", state_id, "workflow_id", workflow)
        builder.link("motion_state", state_id, "meeting_id", MEETING_ID)
        for index in state.next:
            builder.link("motion_state", state_id, "next_state_ids", states[index])
    return _Workflow(workflow, tuple(states))


def _build_categories(builder: ExportBuilder, count: int) -> list[int]:
    """Categories; the second half are subcategories of the first ones."""
    ids: list[int] = []
    top = (count + 1) // 2
    for index, (name, prefix) in enumerate(CATEGORY_NAMES[:count]):
        level = 0 if index < top else 1
        fields = {"name": name, "prefix": prefix, "weight": (index + 1) * 2, "level": level}
        category = builder.add("motion_category", {**fields, "sequential_number": index + 1})
        builder.link("motion_category", category, "meeting_id", MEETING_ID)
        if level:
            builder.link("motion_category", category, "parent_id", ids[index - top])
        ids.append(category)
    return ids


def _build_blocks(builder: ExportBuilder, count: int) -> list[int]:
    ids = []
    for index in range(count):
        title = f"Block {chr(ord('A') + index % 26)}{index // 26 or ''}"
        block = builder.add(
            "motion_block", {"title": title, "sequential_number": index + 1, "internal": index % 5 == 4}
        )
        builder.link("motion_block", block, "meeting_id", MEETING_ID)
        add_list_of_speakers(builder, "motion_block", block)
        ids.append(block)
    return ids


def _build_comment_sections(builder: ExportBuilder, people: People) -> list[int]:
    """An internal section only staff sees, and a public one delegates read and submitters write."""
    specs = (
        ("Motion committee notes", (people.staff_group,), (people.staff_group,), False),
        ("Remarks", (people.staff_group, people.delegate_group), (people.staff_group,), True),
    )
    ids = []
    for index, (name, readers, writers, submitter_can_write) in enumerate(specs, start=1):
        section = builder.add(
            "motion_comment_section",
            {
                "name": name,
                "weight": index,
                "sequential_number": index,
                "submitter_can_write": submitter_can_write,
            },
        )
        builder.link("motion_comment_section", section, "meeting_id", MEETING_ID)
        for group in readers:
            builder.link("motion_comment_section", section, "read_group_ids", group)
        for group in writers:
            builder.link("motion_comment_section", section, "write_group_ids", group)
        ids.append(section)
    return ids


def _lead_fields(
    builder: ExportBuilder, rng: Random, categories: list[int], numbers: dict[int, int]
) -> dict[str, Any]:
    """Title, texts and (per-category) number of a main motion; ``numbers`` counts per category."""
    category = rng.choice(categories) if rng.random() < 0.85 else 0
    numbers[category] = numbers.get(category, 0) + 1
    prefix = builder.get("motion_category", category)["prefix"] if category else "A"
    return {
        "title": motion_title(rng),
        "text": html_paragraphs(rng, rng.randint(2, 4)),
        "reason": html_paragraphs(rng, rng.randint(1, 2)),
        "number": f"{prefix}{numbers[category]:02d}",
        "number_value": numbers[category],
        "_category": category,
    }


def _amendment_fields(builder: ExportBuilder, rng: Random, lead: int) -> dict[str, Any]:
    lead_motion = builder.get("motion", lead)
    index = len(lead_motion.get("amendment_ids", [])) + 1
    fields: dict[str, Any] = {
        "title": f"Amendment {index} to {lead_motion.get('number') or lead_motion['title']}",
        "amendment_paragraphs": {"0": f"<p>{sentence(rng, 25)}</p>"},
        "reason": html_paragraphs(rng, 1),
        "_category": 0,
    }
    if "number" in lead_motion:
        fields.update(number=f"{lead_motion['number']}-Ä{index}", number_value=index)
    return fields


def _build_motion(
    builder: ExportBuilder,
    rng: Random,
    people: People,
    workflow: _Workflow,
    fields: dict[str, Any],
    state: int | None = None,
) -> int:
    """A motion in ``state`` or a random state of ``workflow`` with 1-3 submitters; numbers
    only where the state sets them."""
    category = fields.pop("_category")
    chosen = workflow.states[0] if rng.random() < 0.5 else rng.choice(workflow.states)
    state = chosen if state is None else state
    if not builder.get("motion_state", state)["set_number"]:
        fields.pop("number", None)
        fields.pop("number_value", None)
    created = BASE_TIMESTAMP - rng.randint(2, 60) * 86_400
    fields.update(
        sequential_number=builder.next_id("motion"),
        created=created,
        last_modified=created + rng.randint(0, 86_400),
        workflow_timestamp=created,
        start_line_number=1,
    )
    motion = builder.add("motion", fields)
    builder.link("motion", motion, "meeting_id", MEETING_ID)
    builder.link("motion", motion, "state_id", state)
    if category:
        builder.link("motion", motion, "category_id", category)
    if state == workflow.states[0] and rng.random() < 0.3:
        recommendations = [
            s for s in workflow.states if "recommendation_label" in builder.get("motion_state", s)
        ]
        builder.link("motion", motion, "recommendation_id", rng.choice(recommendations))
    add_list_of_speakers(builder, "motion", motion)
    authors = rng.sample(people.delegates, min(len(people.delegates), rng.choice((1, 1, 1, 2, 3))))
    for weight, mu in enumerate(authors, start=1):
        submitter = builder.add("motion_submitter", {"weight": weight})
        builder.link("motion_submitter", submitter, "motion_id", motion)
        builder.link("motion_submitter", submitter, "meeting_user_id", mu)
        builder.link("motion_submitter", submitter, "meeting_id", MEETING_ID)
    if state == workflow.states[0]:
        for mu in rng.sample(people.delegates, min(len(people.delegates), rng.randint(0, 5))):
            if mu not in authors:
                builder.link("motion", motion, "supporter_meeting_user_ids", mu)
    return motion


def _decorate(builder: ExportBuilder, rng: Random, motion: int, blocks: list[int], tags: list[int]) -> None:
    """Blocks (a quarter of the main motions) and tags (a fifth)."""
    if rng.random() < 0.25:
        builder.link("motion", motion, "block_id", rng.choice(blocks))
    if rng.random() < 0.2:
        builder.link("motion", motion, "tag_ids", rng.choice(tags))


def _build_comments(builder: ExportBuilder, rng: Random, motion: int, sections: list[int]) -> None:
    for section in sections:
        if rng.random() < 0.25:
            comment = builder.add("motion_comment", {"comment": html_paragraphs(rng, 1, (8, 20))})
            builder.link("motion_comment", comment, "motion_id", motion)
            builder.link("motion_comment", comment, "section_id", section)
            builder.link("motion_comment", comment, "meeting_id", MEETING_ID)


def _build_change_recommendations(builder: ExportBuilder, rng: Random, motion: int) -> None:
    """A fifth of the motions get 1-3 recommendations; some internal, some rejected."""
    if rng.random() >= 0.2:
        return
    line = 1
    for _ in range(rng.randint(1, 3)):
        length = rng.randint(0, 3)
        recommendation = builder.add(
            "motion_change_recommendation",
            {
                "type": rng.choice(("replacement", "insertion", "deletion")),
                "line_from": line,
                "line_to": line + length,
                "text": f"<p>{sentence(rng, 10)}</p>",
                "rejected": rng.random() < 0.2,
                "internal": rng.random() < 0.3,
                "creation_time": BASE_TIMESTAMP - rng.randint(1, 10) * 3_600,
            },
        )
        builder.link("motion_change_recommendation", recommendation, "motion_id", motion)
        builder.link("motion_change_recommendation", recommendation, "meeting_id", MEETING_ID)
        line += length + rng.randint(1, 5)


def _build_personal_notes(builder: ExportBuilder, rng: Random, people: People, motions: list[int]) -> None:
    """A few participants (about 1 %) keep notes or stars on 1-3 motions each."""
    writers = rng.sample(people.speakers, min(len(people.speakers), max(1, len(people.speakers) // 100)))
    for mu in writers:
        for motion in rng.sample(motions, min(len(motions), rng.randint(1, 3))):
            note = builder.add(
                "personal_note", {"note": f"<p>{sentence(rng, 6)}</p>", "star": rng.random() < 0.5}
            )
            builder.link("personal_note", note, "meeting_user_id", mu)
            builder.link("personal_note", note, "content_object_id", motion, "motion")
            builder.link("personal_note", note, "meeting_id", MEETING_ID)
