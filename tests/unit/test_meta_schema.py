"""The committed schema is exactly what the generator makes from OpenSlides' models.yml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.schema import collection_fields
from meta.generate import parse_models, parse_permissions, render, render_permissions

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
MODELS = SHARED / "openslides" / "meta" / "models.yml"
PERMISSIONS = SHARED / "openslides" / "meta" / "permission.yml"
COLLECTION_FIELDS = ROOT / "tests" / "conformance" / "vectors" / "collection_fields.json"


def test_committed_schema_equals_regenerated_schema() -> None:
    if not MODELS.exists():
        pytest.skip(f"{MODELS} not present: cannot regenerate the schema")
    generated = render(parse_models(MODELS.read_text(encoding="utf-8")))
    assert (ROOT / "meta" / "schema.py").read_text(encoding="utf-8") == generated


def test_valid_collection_fields_match_upstream_table() -> None:
    assert collection_fields() == set(json.loads(COLLECTION_FIELDS.read_text()))


def test_generic_relation_targets_are_expanded() -> None:
    from meta.schema import COLLECTIONS

    tagged = COLLECTIONS["tag"]["tagged_ids"]
    assert tagged.type == "generic-relation-list"
    assert tagged.to == ("agenda_item/tag_ids", "assignment/tag_ids", "motion/tag_ids")
    assert COLLECTIONS["projection"]["content"].calculated


def test_committed_permission_table_equals_regenerated_table() -> None:
    if not PERMISSIONS.exists():
        pytest.skip(f"{PERMISSIONS} not present: cannot regenerate the permission table")
    generated = render_permissions(parse_permissions(PERMISSIONS.read_text(encoding="utf-8")))
    assert (ROOT / "meta" / "permissions.py").read_text(encoding="utf-8") == generated


def test_permissions_imply_everything_nested_below_them() -> None:
    from meta.permissions import IMPLIED

    assert IMPLIED["user.can_manage"] >= {"user.can_update", "user.can_see_sensitive_data", "user.can_see"}
    assert "assignment.can_manage_polls" not in IMPLIED["assignment.can_manage"]
    assert IMPLIED["chat.can_manage"] == {"chat.can_manage"}
