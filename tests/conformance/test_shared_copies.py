"""The repository's copies of shared test data equal their source in ``../shared``.

The vectors (``tests/conformance/vectors``) and the client's meeting request of the benchmarks
(``simulator/bench/meeting-request.json``) are maintained next to the repository; the tests and
the benchmark read the copies, so a fresh clone needs nothing else. When the shared folder is
there and has changed, these tests fail and say how to copy the new files over; without it they
skip and say that the copy is what runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance.vectors import VECTORS

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
BENCH_REQUEST = ROOT / "simulator" / "bench" / "meeting-request.json"


def _shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is not there: the copy in the repository is what runs")
    return path


def test_vectors_copy_equals_the_shared_vectors() -> None:
    shared = _shared(SHARED / "vectors")
    ours = {path.name: path.read_bytes() for path in VECTORS.glob("*.json")}
    theirs = {path.name: path.read_bytes() for path in shared.glob("*.json")}
    changed = sorted(name for name in theirs.keys() & ours.keys() if theirs[name] != ours[name])
    new, gone = sorted(theirs.keys() - ours.keys()), sorted(ours.keys() - theirs.keys())
    assert not (changed or new or gone), (
        f"tests/conformance/vectors differs from ../shared/vectors (changed: {changed}, new: {new}, "
        f"no longer shared: {gone}); copy the new files over: "
        "rm tests/conformance/vectors/*.json && cp ../shared/vectors/*.json tests/conformance/vectors/"
    )


def test_bench_request_copy_equals_the_shared_one() -> None:
    shared = _shared(SHARED / "bench" / "meeting-request.json")
    assert BENCH_REQUEST.read_bytes() == shared.read_bytes(), (
        "simulator/bench/meeting-request.json differs from ../shared/bench/meeting-request.json; "
        "copy the new file over: cp ../shared/bench/meeting-request.json simulator/bench/"
    )
