"""Generate a large, realistic and consistent OpenSlides meeting as an export-shaped dict.

Why: the simulator serves this data and the benchmarks (spec/benchmarks.md, "Data") measure
against it, so it must look like a real assembly (roles, motions, agenda, speakers, polls,
projectors), be consistent in both directions of every relation with every required field set,
and be the same for the same seed on every machine (``random.Random(seed)``, fixed timestamps).

Command line: ``python -m simulator.generate --participants 2000 --motions 400 -o meeting.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from random import Random
from typing import Any

from simulator.generate_agenda import build_agenda
from simulator.generate_motions import build_motions, build_tags
from simulator.generate_organization import build_committee_and_meeting, build_organization
from simulator.generate_participants import build_participants
from simulator.generate_polls import build_polls
from simulator.generate_projectors import build_projectors
from simulator.generate_store import ExportBuilder


def generate_meeting(
    *,
    participants: int = 2000,
    motions: int = 400,
    agenda_items: int = 150,
    speakers_per_list: int = 10,
    polls: int = 30,
    votes_per_poll: int = 40,
    assignments: int = 5,
    started_polls: int = 3,
    delegations: int = 20,
    restricted_motions: int = 0,
    projectors: int = 2,
    seed: int = 1,
) -> dict[str, Any]:
    """Organization 1 with one committee and meeting 1, filled as the parameters say; the
    defaults are the benchmark data of spec/benchmarks.md.

    ``participants`` counts users with a meeting user, including the superadmin (user 1);
    ``agenda_items`` is exact (topics, elections and motions); every agenda item's list of
    speakers gets ``speakers_per_list`` speakers (fewer only if there are fewer participants).
    ``assignments`` elections with candidates take agenda items (at most a tenth of them);
    ``started_polls`` electronic polls are being voted on (at most a third of them); every
    other finished or published electronic poll has ``votes_per_poll`` votes (fewer only if
    fewer delegates can vote; a started poll's votes are in the vote service, see
    ``generate_polls``); ``delegations`` absent delegates gave their vote to a present one
    (fewer only if fewer are absent); ``restricted_motions`` motions are in a draft state only
    their submitters and managers see (not in the spec's data; each submitter's view differs in
    which keys are requested, the hardest case for sharing). Raises ValueError for sizes that
    cannot make a meeting.
    """
    _check_sizes(participants=participants, motions=motions, agenda_items=agenda_items, projectors=projectors)
    counts = {
        "speakers_per_list": speakers_per_list,
        "polls": polls,
        "votes_per_poll": votes_per_poll,
        "assignments": assignments,
        "started_polls": started_polls,
        "delegations": delegations,
        "restricted_motions": restricted_motions,
    }
    negative = [name for name, value in counts.items() if value < 0]
    if negative:
        raise ValueError(f"{', '.join(negative)} must not be negative")
    builder = ExportBuilder()
    build_organization(builder)
    build_committee_and_meeting(builder)
    people = build_participants(builder, _rng(seed, "participants"), participants, delegations)
    tags = build_tags(builder)
    motion_set = build_motions(builder, _rng(seed, "motions"), people, motions, tags, restricted_motions)
    agenda = build_agenda(
        builder,
        _rng(seed, "agenda"),
        people,
        list(motion_set.main),
        agenda_items,
        speakers_per_list,
        tags,
        assignments,
    )
    poll_ids = build_polls(
        builder,
        _rng(seed, "polls"),
        people,
        agenda,
        list(motion_set.main),
        polls,
        votes_per_poll=votes_per_poll,
        started=started_polls,
    )
    build_projectors(builder, _rng(seed, "projectors"), agenda, list(motion_set.main), poll_ids, projectors)
    return builder.export()


def _check_sizes(**sizes: int) -> None:
    minimum = {"participants": 3, "motions": 1, "agenda_items": 1, "projectors": 1}
    for name, value in sizes.items():
        if value < minimum[name]:
            raise ValueError(f"{name} must be at least {minimum[name]}, got {value}")


def _rng(seed: int, area: str) -> Random:
    """One generator per area, so changing how one area is built leaves the others unchanged.

    String seeds are hashed with SHA-512 by ``random``, independent of ``PYTHONHASHSEED``.
    """
    return Random(f"{seed}/{area}")


def object_counts(export: dict[str, Any]) -> dict[str, int]:
    """Objects per collection (bookkeeping keys left out)."""
    return {name: len(objects) for name, objects in export.items() if not name.startswith("_")}


def main(argv: Sequence[str] | None = None) -> int:
    """Write a generated meeting as export JSON; a summary with object counts goes to stderr."""
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    try:
        export = generate_meeting(**meeting_arguments(args))
    except ValueError as err:
        print(f"generate: {err}", file=sys.stderr)
        return 2
    text = json.dumps(export, ensure_ascii=False, indent=args.indent)
    if args.output == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(text + "\n")
    counts = object_counts(export)
    summary = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
    elapsed = time.perf_counter() - started
    print(f"generated {sum(counts.values())} objects in {elapsed:.2f} s: {summary}", file=sys.stderr)
    return 0


MEETING_OPTIONS = (
    ("participants", 2000, "users with a meeting user (1 %% admins, 5 %% staff, the rest delegates)"),
    ("motions", 400, "motions"),
    ("agenda-items", 150, "agenda items (topics, elections and motions)"),
    ("speakers-per-list", 10, "speakers on each agenda item's list of speakers"),
    ("polls", 30, "polls on motions, elections and topics"),
    ("votes-per-poll", 40, "votes in each finished or published electronic poll"),
    ("assignments", 5, "elections with candidates, each an agenda item with a list of speakers"),
    ("started-polls", 3, "electronic polls being voted on (their votes are in the vote service)"),
    ("delegations", 20, "absent delegates who delegated their vote to a present one"),
    ("restricted-motions", 0, "motions in a draft state only their submitters and managers see"),
    ("projectors", 2, "projectors"),
    ("seed", 1, "the same seed gives the same meeting"),
)
"""The options of the generated meeting (``generate`` and ``bench``): name, default, help."""


def add_meeting_options(group: argparse._ActionsContainer) -> None:
    """Add the generated meeting's options (``MEETING_OPTIONS``) to a parser or option group."""
    for name, default, text in MEETING_OPTIONS:
        group.add_argument(f"--{name}", type=int, default=default, help=f"{text} (default: {default})")


def meeting_arguments(args: argparse.Namespace) -> dict[str, int]:
    """The keyword arguments of ``generate_meeting`` from options added by ``add_meeting_options``."""
    return {name.replace("-", "_"): getattr(args, name.replace("-", "_")) for name, _, _ in MEETING_OPTIONS}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator generate", description="Generate an OpenSlides meeting as export JSON."
    )
    add_meeting_options(parser)
    parser.add_argument("-o", "--output", default="-", help="file to write, '-' for stdout (default)")
    parser.add_argument("--indent", type=int, default=None, help="indent the JSON (default: compact)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
