"""The bench's split of a write's latency into queueing behind earlier writes and its own
processing (``simulator.bench.queueing``): pure, over recorded times."""

from __future__ import annotations

import pytest

from simulator.bench.queueing import Timing, split


def test_a_write_sent_after_the_previous_one_was_delivered_does_not_queue() -> None:
    assert split([0.0, 2.0], [0.5, 2.25]) == [Timing(0.5, 0.0, 0.5), Timing(0.25, 0.0, 0.25)]


def test_a_write_sent_while_the_previous_one_is_delivered_queues_until_it_is_done() -> None:
    (_, second) = split([0.0, 1.0], [2.5, 3.0])
    assert second == Timing(2.0, 1.5, 0.5)


def test_a_write_that_reached_nobody_has_no_timing_and_the_next_waits_for_the_last_known() -> None:
    timings = split([0.0, 1.0, 2.0], [3.0, None, 3.5])
    assert timings[1] == Timing(None, None, None)
    assert timings[2] == Timing(1.5, 1.0, 0.5)


def test_queueing_is_at_most_the_latency() -> None:
    # the previous write's last connection got its message after this write's last one
    (_, second) = split([0.0, 1.0], [3.0, 2.0])
    assert second == Timing(1.0, 1.0, 0.0)


def test_the_times_must_pair_up() -> None:
    with pytest.raises(ValueError):
        split([0.0, 1.0], [0.5])
