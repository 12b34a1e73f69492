"""The fields a slide reads of one object: typed reads name the field's key when they fail."""

from __future__ import annotations

import pytest

from domain.projector.context import SlideContext, SlideError, SlideRegistry, as_int
from domain.reader import FlatSource, Reader

DATA = {
    "topic/1/id": 1,
    "topic/1/title": 7,
    "topic/1/agenda_item_id": 60.0,
    "topic/1/sequential_number": None,
}


def _context() -> SlideContext:
    return SlideContext(Reader(FlatSource(DATA)), SlideRegistry({}, {}))


def test_typed_reads_decode_as_the_as_functions_do() -> None:
    topic = _context().obj("topic/1", "agenda_item_id", "sequential_number")
    assert topic.get_int("agenda_item_id") == 60
    assert topic.get_int("sequential_number") == 0
    assert topic.get_ids("sequential_number") is None
    assert topic.decode("agenda_item_id", as_int) == 60


def test_a_value_of_the_wrong_type_fails_naming_its_key() -> None:
    topic = _context().obj("topic/1", "title")
    with pytest.raises(SlideError, match="topic/1/title: expected a string"):
        topic.get_str("title")


def test_optional_reads_give_none_for_unset_and_unread_fields() -> None:
    topic = _context().obj("topic/1", "agenda_item_id", "sequential_number")
    assert topic.optional("sequential_number", as_int) is None
    assert topic.optional("text", as_int) is None
    assert topic.optional("agenda_item_id", as_int) == 60


def test_an_object_that_does_not_exist_fails() -> None:
    with pytest.raises(SlideError, match="topic/2 does not exist"):
        _context().obj("topic/2", "title")
