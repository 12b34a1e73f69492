"""The bench's attribution of stream messages to the writes sent on a schedule
(``simulator.bench.delivery``): pure, over recorded arrival times and lines."""

from __future__ import annotations

import msgspec

from simulator.bench.delivery import MessageKeys, attribute

SENT = [10.0, 11.0, 12.0]
CHANGED = [
    frozenset({"motion/1/title", "motion/1/meta_position"}),
    frozenset({"speaker/5/id", "list_of_speakers/2/speaker_ids"}),
    frozenset({"group/3/permissions"}),
]


def line(**values: object) -> bytes:
    return msgspec.json.encode({key.replace("__", "/"): value for key, value in values.items()})


TITLE = line(motion__1__title="New")
SPEAKER = line(speaker__5__id=5, list_of_speakers__2__speaker_ids=[5])
PERMISSION = line(group__3__permissions=["agenda_item.can_see"])
VISIBILITY_ONLY = line(agenda_item__7__item_number="7")


def test_each_message_after_its_write_belongs_to_it() -> None:
    stream = [(10.2, TITLE), (11.1, SPEAKER), (12.5, PERMISSION)]
    delivery = attribute([stream, stream[:2]], SENT, CHANGED, MessageKeys())
    assert delivery.arrivals == [[10.2, 10.2], [11.1, 11.1], [12.5]]
    assert delivery.done == [10.2, 11.1, 12.5]
    assert (delivery.guessed, delivery.extra, delivery.unsent) == (0, 0, 0)


def test_a_late_message_belongs_to_the_write_whose_keys_it_carries() -> None:
    # the title's message arrives after the speaker was sent: it is still the title's
    stream = [(11.5, TITLE), (11.8, SPEAKER)]
    delivery = attribute([stream], SENT, CHANGED, MessageKeys())
    assert delivery.arrivals == [[11.5], [11.8], []]
    assert delivery.done == [11.5, 11.8, None]


def test_one_message_carrying_two_writes_belongs_to_both() -> None:
    both = line(motion__1__title="New", speaker__5__id=5)
    delivery = attribute([[(11.4, both)]], SENT, CHANGED, MessageKeys())
    assert delivery.arrivals == [[11.4], [11.4], []]


def test_a_message_without_a_changed_key_belongs_to_the_oldest_pending_write() -> None:
    stream = [(10.3, TITLE), (12.9, VISIBILITY_ONLY)]
    delivery = attribute([stream], SENT, CHANGED, MessageKeys())
    assert delivery.arrivals == [[10.3], [12.9], []]
    assert delivery.guessed == 1


def test_messages_before_the_writes_or_after_the_newest_writes_message_are_counted_apart() -> None:
    stream = [(9.0, TITLE), (10.3, TITLE), (10.6, TITLE)]
    delivery = attribute([stream], SENT, CHANGED, MessageKeys())
    assert delivery.arrivals == [[10.3], [], []]
    assert (delivery.unsent, delivery.extra) == (1, 1)


def test_a_stream_skips_writes_it_got_nothing_of() -> None:
    stream = [(12.2, PERMISSION), (12.4, TITLE)]  # the title key again: not the title write's
    delivery = attribute([stream], SENT, CHANGED, MessageKeys())
    assert delivery.arrivals == [[], [], [12.2]]
    assert delivery.extra == 1


def test_message_keys_are_decoded_once_and_lines_that_are_not_objects_have_none() -> None:
    keys = MessageKeys()
    assert keys(TITLE) == {"motion/1/title"}
    assert keys(TITLE) is keys(TITLE)
    assert keys(b"[1, 2]") == frozenset()
    assert keys(b"not json") == frozenset()


def test_message_keys_keep_only_the_relevant_ones() -> None:
    keys = MessageKeys(frozenset().union(*CHANGED))
    assert keys(line(motion__1__title="New", motion__2__title="Other")) == {"motion/1/title"}
    assert attribute([[(11.1, SPEAKER)]], SENT, CHANGED, keys).arrivals == [[], [11.1], []]
