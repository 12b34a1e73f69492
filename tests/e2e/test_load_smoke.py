"""``python -m simulator load`` at a tiny size against a simulator of its own: it holds its
streams to the end, every stream gets every write, it reports the figures, and it reports
refused streams as errors with a failing exit status. Never a timed assertion."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, Server, start_simulator, stop

pytestmark = pytest.mark.e2e

LIMIT_SECONDS = 60
STREAMS = 5


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A simulator of this module's own: the load run writes to its data."""
    server = start_simulator(tmp_path_factory.mktemp("load"), "--unrestricted")
    yield server
    stop(server)


def load(
    server: Server, tmp_path: Path, *options: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Run the load command; its process, and the figures it wrote with ``--json``."""
    figures = tmp_path / "figures.json"
    command = [sys.executable, "-m", "simulator", "load", "--url", server.url]
    command += ["--redis-url", f"redis://127.0.0.1:{server.redis_port}/0", "--json", str(figures)]
    command += ["--minutes", "0.05", "--write-interval", "0.5", "--sample-seconds", "1", *options]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=LIMIT_SECONDS, check=False
    )
    assert figures.exists(), f"{done.stdout}\n{done.stderr[-3000:]}"
    return done, json.loads(figures.read_text())


@pytest.mark.parametrize("request_kind", ["organization", "meeting"])
def test_load_holds_its_streams_and_reports(simulator: Server, tmp_path: Path, request_kind: str) -> None:
    done, figures = load(simulator, tmp_path, "--streams", str(STREAMS), "--request", request_kind)
    out = done.stdout
    assert done.returncode == 0, f"{out}\n{done.stderr[-3000:]}"
    assert figures["opened"] == figures["held_at_end"] == figures["converged"] == STREAMS
    assert figures["open_failures"] == 0
    assert figures["ended_early"] == figures["error_lines"] == 0
    assert figures["writes"] >= 2
    assert figures["updates"] == figures["writes"] * STREAMS  # every write reached every stream
    assert figures["latency_count"] == figures["updates"]
    assert figures["rss_start"] > 0 and figures["rss_end"] > 0  # the simulator runs on this machine
    assert f"**{STREAMS} held at the end**" in out, out
    assert "| errors | **0** (open failures 0, streams ended early 0, error lines 0) |" in out, out
    assert re.search(r"\| latency \(XADD → client\) \| p50 \*\*[\d.]+ ms\*\*, p95 \*\*[\d.]+ ms\*\*", out), (
        out
    )
    assert re.search(r"\| service RSS \| start \*\*\d+ MiB\*\*, end \*\*\d+ MiB\*\*", out), out
    assert re.search(r"^\| \d+ s \| 5 \| \d+ \| ", out, re.MULTILINE), out  # the table over time
    write_key = "committee/1/name" if request_kind == "organization" else "meeting/1/name"
    assert figures["write_key"] == write_key


def test_refused_streams_are_errors(simulator: Server, tmp_path: Path) -> None:
    """Credentials of a user that does not exist: every stream is refused (403), which the
    report counts and names, and the exit status is 1."""
    done, figures = load(simulator, tmp_path, "--streams", "3", "--user", "999999")
    assert done.returncode == 1, done.stdout
    assert (figures["opened"], figures["open_failures"], figures["held_at_end"]) == (0, 3, 0)
    assert "| errors | **3** (open failures 3," in done.stdout, done.stdout
    assert "Your user account does not exist anymore." in done.stdout, done.stdout
