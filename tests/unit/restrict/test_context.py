"""What rules read through the context: a relation whose target must exist, and the rule of
fields nobody sees."""

from __future__ import annotations

import pytest

from domain.api import explain
from domain.reader import FlatSource, Reader
from domain.restrict.context import Inconsistent, RestrictContext
from tests.builders import Data, obj, sees

DATA = obj("topic/1", agenda_item_id=2) | obj("agenda_item/2") | obj("projection/3", current_projector_id=9)


def _context(data: Data) -> RestrictContext:
    return RestrictContext(Reader(FlatSource(data)), 1, {})


def test_target_is_the_id_of_an_existing_object() -> None:
    assert _context(DATA).target("topic", 1, "agenda_item_id") == 2


def test_a_target_that_does_not_exist_is_inconsistent() -> None:
    with pytest.raises(Inconsistent, match="projection/3/current_projector_id points to missing projector/9"):
        _context(DATA).target("projection", 3, "current_projector_id", "projector", required=False)


def test_an_unset_relation_is_inconsistent_only_when_required() -> None:
    context = _context(DATA)
    assert context.target("projection", 3, "preview_projector_id", "projector", required=False) == 0
    with pytest.raises(Inconsistent, match="required but empty"):
        context.target("projection", 3, "preview_projector_id", "projector")


@pytest.mark.parametrize("key", ["user/1/password", "motion/1/text_hash", "import_preview/1/name"])
def test_never_visible_fields_stay_hidden_from_a_superadmin(key: str) -> None:
    data = obj("organization/1") | obj("user/1", organization_management_level="superadmin")
    data |= obj("meeting/1") | obj("motion/1", meeting_id=1, state_id=1) | obj("motion_state/1", meeting_id=1)
    data |= {key: "x"} | obj(key.rpartition("/")[0])
    assert sees(data, key) == set()
    assert "by registry.never" in str(explain(data, 1, key))
