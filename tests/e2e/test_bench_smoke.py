"""``python -m simulator bench all`` at a tiny size, with its own Postgres, Redis and service:
it runs to the end, prints figures and finds no mismatch. Never a timed assertion."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e

TINY = ["--participants", "30", "--motions", "5", "--agenda-items", "4", "--polls", "2"]
RUN = ["--connections", "5", "--writes", "5", "--repeat", "3", "--cold-runs", "1", "--start-servers"]
SCHEDULE = ["--permission-at", "2", "--write-interval", "0.5", "--open-batch", "2", "--workers", "2"]
SCHEDULE += ["--check-streams", "3"]
LIMIT_SECONDS = 85


def test_bench_all_at_a_tiny_size() -> None:
    has_postgres = shutil.which("pg_ctl") is not None or os.path.isdir("/usr/lib/postgresql")
    if shutil.which("redis-server") is None or not has_postgres:
        pytest.skip("needs the postgres and redis-server binaries")
    command = [sys.executable, "-m", "simulator", "bench", "all", *TINY, *RUN, *SCHEDULE]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = process.communicate(timeout=LIMIT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)  # the benchmark stops the servers it started
        out, err = process.communicate(timeout=30)
        pytest.fail(f"bench did not finish within {LIMIT_SECONDS} s:\n{out}\n{err[-3000:]}")
    assert process.returncode == 0, f"{out}\n{err[-3000:]}"
    assert "| mismatches | 0 of 3 connections (an even sample of the 5, --check-streams) |" in out, out
    for title in ("B1 first response", "B2 fan-out", "B2 writes by kind", "B3 memory", "B4 domain only"):
        assert f"### {title}" in out, out
    assert re.search(r"\| delegate \| \d+ ms / \d+ ms \| \d+ ms \|", out), out
    assert re.search(r"\| RSS per open idle stream \| [\d.]+ MB \|", out), out
    assert re.search(
        r"\| groups \(connections computed together; this service's metric\) \| [1-5] \|", out
    ), out
    # --workers 2: Granian's supervisor and two workers; cores used per phase
    assert "| service processes (Granian's supervisor and workers) | 3 |" in out, out
    for phase in ("opening the streams", "during the writes"):
        assert re.search(rf"\| cores used {phase} \(service / driver\) \| [\d.]+ / [\d.]+ \|", out), out
    # --permission-at 2 --write-interval 0.5: three content writes after it, queueing apart
    assert "| 5 writes, one every 0.5 s, permission change as write 2: first XADD" in out, out
    assert re.search(r"\| 2 \| permission \| 5 \| [\d.]+ s \| [\d.]+ s \| [\d.]+ s \|", out), out
    assert re.search(r"\| content writes after the permission change \| 3 \|", out), out
