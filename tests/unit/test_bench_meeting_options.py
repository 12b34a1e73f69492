"""``python -m simulator bench``'s "generated meeting" options reach the generator unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.bench import cli
from simulator.generate import generate_meeting


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments the bench generates its meeting with; it stops right there."""
    calls: list[dict[str, Any]] = []

    def generate(**sizes: Any) -> dict[str, Any]:
        calls.append(sizes)
        raise ValueError("stop before any server starts")

    monkeypatch.setattr(cli, "generate_meeting", generate)
    return calls


def test_bench_passes_every_meeting_option_to_the_generator(asked: list[dict[str, Any]]) -> None:
    options = ["--participants", "30", "--votes-per-poll", "4", "--assignments", "2"]
    options += ["--started-polls", "1", "--delegations", "2", "--restricted-motions", "3", "--seed", "9"]
    assert cli.main(["b4", *options]) == 2
    assert asked == [
        {
            "participants": 30,
            "motions": 400,
            "agenda_items": 150,
            "speakers_per_list": 10,
            "polls": 30,
            "votes_per_poll": 4,
            "assignments": 2,
            "started_polls": 1,
            "delegations": 2,
            "restricted_motions": 3,
            "projectors": 2,
            "seed": 9,
        }
    ]


def test_bench_defaults_are_the_generators_defaults(asked: list[dict[str, Any]]) -> None:
    cli.main(["b4"])
    defaults = generate_meeting.__kwdefaults__
    assert defaults is not None and asked == [defaults]


def test_bench_refuses_a_negative_count_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["b4", "--delegations", "-3"]) == 2
    assert capsys.readouterr().err.endswith("\nerror: delegations must not be negative\n")
