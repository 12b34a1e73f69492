"""A normal (non-editable) install ships the data files the code reads: built as the
``Dockerfile`` builds the image, from a copy of what it copies, then used from outside the
repository."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_container_files import instruction

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CHECK = """
import importlib.resources, sys
import adapters
from simulator.bench.cli import SCHEMA
target = sys.argv[1]
assert adapters.__file__.startswith(target), adapters.__file__
assert SCHEMA.is_file(), f"{SCHEMA} is not installed"
request = importlib.resources.files("simulator.bench") / "meeting-request.json"
assert request.is_file(), f"{request} is not installed"
print(SCHEMA.read_text().count("CREATE TABLE"), len(request.read_bytes()))
"""


def test_pip_install_ships_the_schema_and_the_bench_request(tmp_path: Path) -> None:
    source, site = tmp_path / "src", tmp_path / "site"
    for copy in instruction("COPY"):  # e.g. "pyproject.toml README.md /src/", "meta /src/meta"
        *names, destination = copy.split()
        for name in names:
            target = source / name if destination.endswith("/") else source / Path(destination).name
            target.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, target)
    install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(source)]
    subprocess.run(install, check=True, capture_output=True, timeout=300)
    check = subprocess.run(
        [sys.executable, "-c", CHECK, str(site)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr
    tables, request_size = map(int, check.stdout.split())
    assert tables >= 5 and request_size > 1000
