"""The shared restrict vectors (upstream's permission tests, end to end) through the reuse facade
``domain.api.visible_keys``: for each case, exactly ``expect_visible`` of the requested keys."""

from __future__ import annotations

from typing import Any

import pytest

from domain.api import visible_keys
from tests.conformance.vectors import load_vectors

CASES = load_vectors("restrict.json")


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_restrict_vector(case: dict[str, Any]) -> None:
    visible = visible_keys(case["data"], case["user_id"], case["requested_keys"])
    assert visible == set(case["expect_visible"])
