"""Projectors with current, preview and history projections, countdowns and a message.

Why: projection ``content`` is computed by the service from what the projector shows, so the
generated projectors show what a running meeting shows: the current motion and its poll on the
main (reference) projector, the current list of speakers and the agenda on the side projector.
"""

from __future__ import annotations

from random import Random

from simulator.generate_agenda import Agenda, Fqid
from simulator.generate_organization import MEETING_ID
from simulator.generate_store import ExportBuilder

DEFAULT_KINDS = (
    "agenda_item_list",
    "topic",
    "list_of_speakers",
    "current_los",
    "motion",
    "amendment",
    "motion_block",
    "assignment",
    "mediafile",
    "message",
    "countdown",
    "assignment_poll",
    "motion_poll",
    "poll",
)
SIDE_KINDS = frozenset({"list_of_speakers", "current_los"})
"""Default kinds shown on the side projector when there is one."""

MEETING: Fqid = ("meeting", MEETING_ID)


def build_projectors(
    builder: ExportBuilder, rng: Random, agenda: Agenda, motions: list[int], polls: list[int], count: int
) -> None:
    countdowns = _build_countdowns(builder)
    message = builder.add("projector_message", {"message": "<p>Please take your seats.</p>"})
    builder.link("projector_message", message, "meeting_id", MEETING_ID)
    projectors = [_build_projector(builder, index) for index in range(count)]
    main, side = projectors[0], projectors[1 if count > 1 else 0]
    builder.link("meeting", MEETING_ID, "reference_projector_id", main)
    for kind in DEFAULT_KINDS:
        builder.link(
            "meeting", MEETING_ID, f"default_projector_{kind}_ids", side if kind in SIDE_KINDS else main
        )
    motion = agenda.current_content if agenda.current_content[0] == "motion" else ("motion", motions[0])
    _project(builder, main, "current", motion, options={"mode": "diff"})
    if polls:
        _project(builder, main, "current", ("poll", polls[0]))
    _project(builder, main, "preview", MEETING, kind="agenda_item_list", options={"only_main_items": True})
    _project(builder, main, "preview", ("projector_message", message))
    for topic in rng.sample(agenda.topics, min(2, len(agenda.topics))):
        _project(builder, main, "history", ("topic", topic))
    _project(builder, side, "current", MEETING, kind="current_los", stable=True)
    _project(builder, side, "current", ("projector_countdown", countdowns[0]), stable=True)
    _project(builder, side, "preview", MEETING, kind="agenda_item_list")
    _showcase(builder, side, agenda, message)
    for projector in projectors[2:]:
        _project(builder, projector, "current", MEETING, kind="agenda_item_list")


SHOWCASE_MEETING_SLIDES = (
    "agenda_item_list",
    "current_speaker_chyron",
    "current_speaking_structure_level",
    "current_structure_level_list",
    "wifi_access_data",
)


def _showcase(builder: ExportBuilder, projector: int, agenda: Agenda, message: int) -> None:
    """Every other slide type as a current projection of the side projector, so a developer
    can watch each slide change live. (The ``user`` slide is left out: the data model does not
    allow a user as the content object of a projection.)"""
    for kind in SHOWCASE_MEETING_SLIDES:
        _project(builder, projector, "current", MEETING, kind=kind)
    topic = agenda.topics[0]
    _project(builder, projector, "current", ("topic", topic))
    los = builder.get("topic", topic)["list_of_speakers_id"]
    _project(builder, projector, "current", ("list_of_speakers", los))
    for collection in ("assignment", "motion_block"):
        if builder.ids(collection):
            _project(builder, projector, "current", (collection, builder.ids(collection)[0]))
    _project(builder, projector, "current", ("projector_message", message))
    _project(builder, projector, "current", ("meeting_mediafile", _build_mediafile(builder)))


def _build_mediafile(builder: ExportBuilder) -> int:
    """One public PDF of the meeting, for the meeting_mediafile slide."""
    mediafile = builder.add("mediafile", {"title": "Rules of procedure.pdf", "mimetype": "application/pdf"})
    builder.link("mediafile", mediafile, "owner_id", MEETING_ID, "meeting")
    meeting_mediafile = builder.add("meeting_mediafile", {"is_public": True})
    builder.link("meeting_mediafile", meeting_mediafile, "mediafile_id", mediafile)
    builder.link("meeting_mediafile", meeting_mediafile, "meeting_id", MEETING_ID)
    return meeting_mediafile


def _build_countdowns(builder: ExportBuilder) -> list[int]:
    """The speaking-time and voting countdowns the meeting couples to speakers and polls."""
    ids = []
    for title, meeting_field in (
        ("Speaking time", "list_of_speakers_countdown_id"),
        ("Voting", "poll_countdown_id"),
    ):
        countdown = builder.add(
            "projector_countdown", {"title": title, "default_time": 60, "countdown_time": 60}
        )
        builder.link("projector_countdown", countdown, "meeting_id", MEETING_ID)
        builder.link("meeting", MEETING_ID, meeting_field, countdown)
        ids.append(countdown)
    return ids


def _build_projector(builder: ExportBuilder, index: int) -> int:
    name = ("Main projector", "Side projector")[index] if index < 2 else f"Projector {index + 1}"
    fields = {
        "name": name,
        "sequential_number": index + 1,
        "width": 1220 if index == 0 else 1024,
        "aspect_ratio_numerator": 16,
        "aspect_ratio_denominator": 9,
        "is_internal": False,
    }
    projector = builder.add("projector", fields)
    builder.link("projector", projector, "meeting_id", MEETING_ID)
    return projector


def _project(
    builder: ExportBuilder,
    projector: int,
    where: str,
    content: Fqid,
    *,
    kind: str = "",
    stable: bool = False,
    options: dict[str, object] | None = None,
) -> None:
    """A projection of ``content`` on ``projector`` as ``current``, ``preview`` or ``history``."""
    on_projector = len(builder.get("projector", projector).get(f"{where}_projection_ids", []))
    fields: dict[str, object] = {"stable": stable, "weight": on_projector + 1}
    if kind:
        fields["type"] = kind
    if options is not None:
        fields["options"] = options
    projection = builder.add("projection", fields)
    builder.link("projection", projection, "content_object_id", content[1], content[0])
    builder.link("projection", projection, "meeting_id", MEETING_ID)
    builder.link("projection", projection, f"{where}_projector_id", projector)
