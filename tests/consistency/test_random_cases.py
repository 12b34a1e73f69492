"""Open streams always equal a fresh request, on random cases (``simulator.verify``): random
requests over the whole schema, users of every kind together, random schema-consistent writes
weighted towards visibility. Seeds vary from run to run; ``VERIFY_SEED`` repeats one and
``VERIFY_CASES`` sets the budget. ``python -m simulator verify`` runs the same for longer."""

from __future__ import annotations

import asyncio
import os
import random

import pytest

from simulator.verify.case import encode_case, generate_case
from simulator.verify.run import run_case
from simulator.verify.shrink import shrink
from tests.consistency.cases import export_named

CASES = int(os.environ.get("VERIFY_CASES", "150"))


@pytest.mark.parametrize("data", ["generated", "example"])
def test_streams_fold_to_a_fresh_request_after_random_writes(data: str) -> None:
    export = export_named(data)
    start = int(os.environ.get("VERIFY_SEED") or random.randrange(1, 1 << 30))

    async def run() -> str | None:
        for seed in range(start, start + CASES):
            case = generate_case(export, seed)
            failure = await run_case(export, case)
            if failure is not None:
                small, found = await shrink(case, failure, lambda c: run_case(export, c))
                return (
                    f"case {seed} ({data} data) fails, shrunk:\n{found.render()}\n"
                    f"{encode_case(small).decode()}\n"
                    f"repeat: VERIFY_SEED={seed} VERIFY_CASES=1 pytest {__file__}"
                )
        return None

    problem = asyncio.run(run())
    assert problem is None, problem
