"""The README's configuration table is the one the code prints (``build-doc``)."""

from __future__ import annotations

import re
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


def test_readme_lists_every_error_type_the_code_sends() -> None:
    """Each wire ``type`` set in domain/ or adapters/ (``type = "..."`` or ``type="..."``) is in
    the README's table of error types."""
    root = README.parent
    sent = {
        match
        for package in ("domain", "adapters")
        for path in (root / package).rglob("*.py")
        for match in re.findall(r'\btype ?= ?"(\w+)"', path.read_text(encoding="utf-8"))
    }
    text = README.read_text(encoding="utf-8")
    table = text[text.index("### Messages and errors") : text.index("## Simulator")]
    listed = set(re.findall(r"^\| `(\w+)`(?:, `(\w+)`)? \|", table, re.MULTILINE))
    assert sent <= {name for row in listed for name in row}
