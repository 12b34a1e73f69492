"""The data the stream-consistency cases run on: the generated meeting, and the real export of
``../shared`` (required in CI, where ``../shared`` lies beside the clone)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from simulator.export import read_export
from simulator.generate import generate_meeting
from simulator.verify.cli import SMALL_MEETING

EXAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "openslides" / "data" / "example-data.json"


@cache
def generated() -> dict[str, Any]:
    return generate_meeting(seed=1, **SMALL_MEETING)


def example() -> dict[str, Any]:
    """The real export; a missing one fails under CI and skips (with the reason) elsewhere."""
    if not EXAMPLE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"the example export is missing: {EXAMPLE}")
        pytest.skip(f"the example export of ../shared is not here: {EXAMPLE}")
    return _example()


@cache
def _example() -> dict[str, Any]:
    return read_export(EXAMPLE)


def export_named(name: str) -> dict[str, Any]:
    return example() if name == "example" else generated()
