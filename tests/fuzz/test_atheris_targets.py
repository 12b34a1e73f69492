"""Each atheris target runs a bounded coverage-guided session in CI; a crash fails the test
with libFuzzer's report (the longer runs are documented in docs/reliability.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.atheris_targets import TARGETS

RUNS = 20_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_target_survives_a_fuzzing_session(target: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.atheris_targets", target, f"-runs={RUNS}", "-seed=1"],
        cwd=str(tmp_path),
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # crash files go to tmp_path
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert f"Done {RUNS} runs" in result.stderr
