"""``python -m simulator verify``: run the stream-consistency checker for as long as you like.

Each case is generated from ``--seed`` plus its number, so any case of a run can be replayed
alone; failures are shrunk and written as case files (``--replay FILE`` runs one again).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from simulator.verify.case import Case, Connect, Write, decode_case, encode_case, generate_case
from simulator.verify.run import Failure, Stats, run_case
from simulator.verify.shrink import shrink

SMALL_MEETING = {"participants": 30, "motions": 8, "agenda_items": 6, "polls": 3}
"""The generated meeting cases run on by default: every kind of object, small enough for
thousands of cases."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Random writes make inconsistent data on purpose now and then; its warnings are noise here.
    logging.getLogger("autoupdate").setLevel(logging.ERROR)
    try:
        export, source = _export(args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.replay is not None:
        try:
            case = decode_case(args.replay.read_bytes())
        except (OSError, ValueError) as error:
            print(f"error: {args.replay}: {error}", file=sys.stderr)
            return 2
        return asyncio.run(_replay(export, args.replay, case))
    return asyncio.run(_run(export, source, args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulator verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200, help="cases to run (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the first case (default 1)")
    parser.add_argument("--writes", type=int, default=5, help="writes per case (default 5)")
    parser.add_argument("--data", type=Path, help="an OpenSlides export (default: a small generated meeting)")
    parser.add_argument(
        "--meeting-seed", type=int, default=1, help="seed of the generated meeting (default 1)"
    )
    parser.add_argument("--failures", type=int, default=3, help="stop after this many failures (default 3)")
    parser.add_argument("--out", type=Path, default=Path("verify-failures"), help="where failing cases go")
    parser.add_argument("--replay", type=Path, help="run one case file again and print what it finds")
    return parser


def _export(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    if args.data is not None:
        from simulator.export import read_export

        return read_export(args.data), str(args.data)
    from simulator.generate import generate_meeting

    return generate_meeting(
        seed=args.meeting_seed, **SMALL_MEETING
    ), f"generated meeting (seed {args.meeting_seed})"


async def _replay(export: dict[str, Any], path: Path, case: Case) -> int:
    failure = await run_case(export, case)
    if failure is None:
        print(f"{path}: no difference")
        return 0
    print(failure.render())
    return 1


async def _run(export: dict[str, Any], source: str, args: argparse.Namespace) -> int:
    print(f"verify: {args.cases} cases x {args.writes} writes on {source}, seeds {args.seed}..", flush=True)
    started = time.monotonic()
    failures: list[tuple[Case, Failure]] = []
    writes = 0
    stats = Stats()
    kinds: Counter[str] = Counter()
    write_kinds: Counter[str] = Counter()
    for number in range(args.cases):
        seed = args.seed + number
        case = generate_case(export, seed, args.writes)
        writes += case.writes()
        kinds.update(step.kind for step in case.steps if isinstance(step, Connect))
        write_kinds.update(step.kind for step in case.steps if isinstance(step, Write))
        failure = await run_case(export, case, stats)
        if failure is not None:
            small, found = await shrink(case, failure, lambda c: run_case(export, c))
            failures.append((small, found))
            _report_failure(args.out, seed, small, found)
            if len(failures) >= args.failures:
                break
        if (number + 1) % 50 == 0 or number + 1 == args.cases:
            elapsed = time.monotonic() - started
            print(
                f"  {number + 1}/{args.cases} cases, {writes} writes, {len(failures)} failing"
                f" ({(number + 1) / elapsed:.1f} cases/s)",
                flush=True,
            )
    elapsed = time.monotonic() - started
    print(
        f"streams opened: {stats.streams}; comparisons with a fresh computation: {stats.checks} streams,"
        f" {stats.singles} single requests"
    )
    print(f"  ({stats.keys} requested keys; {stats.ended} streams ended with the error a fresh request gets)")
    print("users connected, by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    print("writes, by kind: " + ", ".join(f"{k} {n}" for k, n in write_kinds.most_common()))
    print(f"verify: {number + 1} cases, {writes} writes, {len(failures)} differences, {elapsed:.0f} s")
    return 1 if failures else 0


def _report_failure(out: Path, seed: int, case: Case, failure: Failure) -> None:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"case-{seed}.json"
    path.write_bytes(encode_case(case))
    print(f"\ncase {seed} fails (shrunk to {len(case.steps)} steps): {path}")
    print(failure.render())
    print(encode_case(case).decode())
    print(f"replay: python -m simulator verify --replay {path} [--data ...]\n", flush=True)
