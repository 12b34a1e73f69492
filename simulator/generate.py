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
    projectors: int = 2,
    seed: int = 1,
) -> dict[str, Any]:
    """Organization 1 with one committee and meeting 1, filled as the parameters say.

    ``participants`` counts users with a meeting user, including the superadmin (user 1);
    ``agenda_items`` is exact (topics, elections and motions); every agenda item's list of
    speakers gets ``speakers_per_list`` speakers (fewer only if there are fewer participants).
    Raises ValueError for sizes that cannot make a meeting.
    """
    _check_sizes(participants=participants, motions=motions, agenda_items=agenda_items, projectors=projectors)
    if speakers_per_list < 0 or polls < 0:
        raise ValueError("speakers_per_list and polls must not be negative")
    builder = ExportBuilder()
    build_organization(builder)
    build_committee_and_meeting(builder)
    people = build_participants(builder, _rng(seed, "participants"), participants)
    tags = build_tags(builder)
    motion_set = build_motions(builder, _rng(seed, "motions"), people, motions, tags)
    agenda = build_agenda(
        builder, _rng(seed, "agenda"), people, list(motion_set.main), agenda_items, speakers_per_list, tags
    )
    poll_ids = build_polls(builder, _rng(seed, "polls"), people, agenda, list(motion_set.main), polls)
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
        export = generate_meeting(
            participants=args.participants,
            motions=args.motions,
            agenda_items=args.agenda_items,
            speakers_per_list=args.speakers_per_list,
            polls=args.polls,
            projectors=args.projectors,
            seed=args.seed,
        )
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator generate", description="Generate an OpenSlides meeting as export JSON."
    )
    for name, default in (
        ("participants", 2000),
        ("motions", 400),
        ("agenda-items", 150),
        ("speakers-per-list", 10),
        ("polls", 30),
        ("projectors", 2),
        ("seed", 1),
    ):
        parser.add_argument(f"--{name}", type=int, default=default, help=f"default: {default}")
    parser.add_argument("-o", "--output", default="-", help="file to write, '-' for stdout (default)")
    parser.add_argument("--indent", type=int, default=None, help="indent the JSON (default: compact)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
