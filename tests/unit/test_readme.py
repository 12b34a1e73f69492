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


def test_readme_domain_example_runs() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Using the domain from other tools") :]
    code = section[section.index("```python\n") + len("```python\n") : section.index("```\n", 10)]
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
