"""The README's configuration table is the one the code prints (``build-doc``)."""

from __future__ import annotations

from pathlib import Path

from adapters.config import build_doc

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_configuration_table_is_generated_from_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- build-doc -->\n") + len("<!-- build-doc -->\n")
    end = text.index("<!-- /build-doc -->")
    assert text[start:end] == build_doc()
