"""Access to the language-neutral test vectors, from the copy kept in ``tests/conformance/vectors``.

The vectors are maintained in ``../shared/vectors``; the repository keeps a copy (JSON only) so
that a fresh clone runs the whole conformance suite. ``test_shared_copies`` fails when the
shared folder is present and differs from the copy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parent / "vectors"


def load_vectors(name: str) -> list[dict[str, Any]]:
    """The cases of one vector file of the copy."""
    cases: list[dict[str, Any]] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return cases


def decode_vector_value(value: Any) -> Any:
    """A vector value as decoded JSON; raw non-JSON bytes (``{"$raw": s}``) become a distinct
    string ``"$raw:<s>"``, since only their presence and equality matter."""
    if isinstance(value, dict) and set(value) == {"$raw"}:
        return "$raw:" + value["$raw"]
    return value
