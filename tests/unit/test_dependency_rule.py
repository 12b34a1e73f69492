"""DESIGN §2: the domain stays pure, ports stay thin, adapters and simulator stay apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"domain", "ports", "adapters", "simulator", "meta", "tests"}
ALLOWED = {
    "domain": {"domain", "ports", "meta", "msgspec", "anyio"},
    "ports": {"ports", "domain", "msgspec"},
    "meta": {"meta", "yaml"},
    "adapters": None,  # anything but simulator
    "simulator": None,  # anything but adapters
}
ENTRY_POINTS = {
    Path("adapters/server.py"),
    Path("adapters/load_export.py"),
    Path("simulator/__main__.py"),
    Path("simulator/bench/cli.py"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_the_layering_allows(package: str) -> None:
    import sys

    stdlib = set(sys.stdlib_module_names)
    for path in _files(package):
        relative = path.relative_to(ROOT)
        if relative in ENTRY_POINTS:
            continue
        imported = _imports(path) - stdlib
        allowed = ALLOWED[package]
        if allowed is None:
            forbidden = {"simulator"} if package == "adapters" else {"adapters"}
            assert not imported & forbidden, f"{relative} imports {imported & forbidden}"
        else:
            assert imported <= allowed, f"{relative} imports {sorted(imported - allowed)}"


def test_domain_never_imports_io_libraries() -> None:
    for path in _files("domain"):
        assert not _imports(path) & {"asyncpg", "redis", "granian", "httpx", "jwt", "fakeredis", "zstandard"}


def test_domain_uses_one_async_library() -> None:
    """DESIGN: the domain's async library is anyio; asyncio and sockets are the adapters'."""
    for path in _files("domain"):
        forbidden = _imports(path) & {"asyncio", "socket"}
        assert not forbidden, f"{path.relative_to(ROOT)} imports {sorted(forbidden)}"
