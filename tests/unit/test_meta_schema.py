"""The committed schema is exactly what the generator makes from OpenSlides' models.yml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.schema import collection_fields
from meta.generate import parse_models, render

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
MODELS = SHARED / "openslides" / "meta" / "models.yml"
COLLECTION_FIELDS = SHARED / "vectors" / "collection_fields.json"


def test_committed_schema_equals_regenerated_schema() -> None:
    if not MODELS.exists():
        pytest.skip(f"{MODELS} not present: cannot regenerate the schema")
    generated = render(parse_models(MODELS.read_text(encoding="utf-8")))
    assert (ROOT / "meta" / "schema.py").read_text(encoding="utf-8") == generated


def test_valid_collection_fields_match_upstream_table() -> None:
    if not COLLECTION_FIELDS.exists():
        pytest.skip(f"{COLLECTION_FIELDS} not present")
    assert collection_fields() == set(json.loads(COLLECTION_FIELDS.read_text()))


def test_generic_relation_targets_are_expanded() -> None:
    from meta.schema import COLLECTIONS

    tagged = COLLECTIONS["tag"]["tagged_ids"]
    assert tagged.type == "generic-relation-list"
    assert tagged.to == ("agenda_item/tag_ids", "assignment/tag_ids", "motion/tag_ids")
    assert COLLECTIONS["projection"]["content"].calculated
