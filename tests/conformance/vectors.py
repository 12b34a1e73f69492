"""Access to the shared, language-neutral test vectors in ``../shared/vectors``.

The vectors live outside this repository; tests skip with a clear reason when they are absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors"


def load_vectors(name: str) -> list[dict[str, Any]]:
    """The cases of one vector file; skips the calling test (or module, when called while
    collecting) if the file is not there."""
    path = VECTORS / name
    if not path.is_file():
        pytest.skip(f"shared test vectors not found: {path}", allow_module_level=True)
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return cases


def decode_vector_value(value: Any) -> Any:
    """A vector value as decoded JSON; raw non-JSON bytes (``{"$raw": s}``) become a distinct
    string ``"$raw:<s>"``, since only their presence and equality matter."""
    if isinstance(value, dict) and set(value) == {"$raw"}:
        return "$raw:" + value["$raw"]
    return value
