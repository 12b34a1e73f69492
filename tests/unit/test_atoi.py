"""Go's ``strconv.Atoi`` as the domain reads ids from text."""

from __future__ import annotations

import pytest

from domain.atoi import INT64, atoi
from domain.keys import parse_key


@pytest.mark.parametrize(
    ("text", "value"),
    [("7", 7), ("+7", 7), ("-7", -7), ("007", 7), (str(INT64 - 1), INT64 - 1), (str(-INT64), -INT64)],
)
def test_accepts_what_go_accepts(text: str, value: int) -> None:
    assert atoi(text) == value


@pytest.mark.parametrize(
    "text", ["", "+", " 7", "7 ", "1_000", "7.0", "0x7", "١٢", str(INT64), str(-INT64 - 1)]
)
def test_rejects_what_go_rejects(text: str) -> None:
    assert atoi(text) is None


def test_a_key_with_an_id_atoi_rejects_has_id_0() -> None:
    assert parse_key("user/abc/username") == ("user", 0, "username")
    assert parse_key("user/+3/username") == ("user", 3, "username")
