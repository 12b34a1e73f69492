"""Every case the stream-consistency checker (or a person) found failing, replayed: the three
scenarios of the original report (joining the admin group, losing every group, a second
meeting user, an inactive user's group link) and every shrunk case since."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from simulator.verify.case import decode_case
from simulator.verify.run import run_case
from tests.consistency.cases import export_named

CASES = sorted((Path(__file__).parent / "regressions").glob("*.json"))


@pytest.mark.parametrize("path", CASES, ids=[path.stem for path in CASES])
def test_stream_equals_a_fresh_request(path: Path) -> None:
    export = export_named(path.stem.partition("-")[0])
    failure = asyncio.run(run_case(export, decode_case(path.read_bytes())))
    assert failure is None, failure.render()


def test_there_are_regression_cases() -> None:
    assert len(CASES) >= 4
