"""Figures as Markdown tables: printed on stdout and, with ``--record``, appended to
``docs/benchmarks.md`` with the date, the machine and the command line (spec/benchmarks.md)."""

from __future__ import annotations

import datetime
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from simulator.bench import proc

HEADER = """# Benchmarks

Figures of `python -m simulator bench` (scenarios B1-B4, explained below), newest last.
Each run names its date, machine, code and command line; the service ran as in production
(`python -m adapters.server` under Granian, Postgres and Redis from local binaries) unless the
command line names other URLs. They are measurements, never test assertions.

```sh
python -m simulator bench all --start-servers --connections 100,1000 --record docs/benchmarks.md
# both cores: two Granian workers; the C = 10,000 hold run compares a sample of 1,000 streams
python -m simulator bench b2 --start-servers --workers 2 --connections 3000 --record docs/benchmarks.md
python -m simulator bench b2 --start-servers --connections 10000 --check-streams 1000 \\
    --record docs/benchmarks.md
# another implementation (e.g. upstream's Go service) on its own Postgres and Redis:
python -m simulator bench b2 --url http://localhost:9012 --service-pid PID \\
    --database-url postgresql://user:password@localhost:5432/openslides --redis-url redis://localhost:6379/0
```

* **B1** first response of the meeting request (`?single`) per role: cold (a fresh service
  process per measurement) and warm (data cache filled; the first user of each role, then
  further distinct users of that role); keys and bytes of the message.
* **B2** fan-out: C streams of distinct users in the meeting's role mix, opened at once (in
  batches of `--open-batch` established connections, default 1,000), then realistic writes
  through the real write path (Postgres rows as the datastore writer writes them, then
  `XADD ModifiedFields`), sent on a schedule: one every `--write-interval` seconds (default 1),
  never waiting for the previous write's delivery, with the permission change of the Delegates
  group as write `--permission-at` (default: the middle, 15 of 30) so content writes follow it.
  Per write: the connections that got a message, the time from XADD to the last of them
  (latency), split into queueing and processing, and the service's CPU seconds from its XADD to
  the next write's; content writes before and after the permission change are summarized
  apart. At the end every stream's folded state is compared with a fresh `?single` for its user
  (all streams, or an even sample of `--check-streams`; mismatches must be 0).
* **Queueing and processing** are estimated from outside (the driver must measure any
  compatible service): the service cannot start on write i before it finished write i-1, so
  write i queued for `max(0, done(i-1) - xadd(i))`, at most its latency, where `done(i-1)` is
  when the last connection got write i-1's message (if write i-1 reached no connection, the
  last earlier write that did). Its processing is the rest: `latency(i) - queueing(i)`. A
  stream's messages are attributed to writes after the run: a message belongs to the writes
  already sent when it arrived (and not older than those of the stream's previous message)
  whose changed keys it carries; one that carries none of them (a change of visibility only)
  belongs to the oldest such write, and the table's notes count these.
* **Cores used**: CPU seconds per wall second of the service (its process and all its
  descendants: Granian's supervisor and workers, `--workers`) and of the driver, while the
  streams open (until the last first message) and during the writes (first XADD to the last
  message), from samples every 0.2 s. The record's header names the service's workers.
* **B3** service memory (RSS) per open idle stream, from the opening of B2's streams, and the
  driver's peak RSS.
* **B4** domain only, in-process: restricted keys per second for the meeting request from a
  warm cache, no HTTP.
"""


@dataclass
class Result:
    """One table of figures."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: int = 0
    """Correctness failures among the figures (the command then exits with status 1)."""

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |"]
        lines.append("|" + "---|" * len(self.columns))
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        lines += ["", *(f"* {note}" for note in self.notes)] if self.notes else []
        return "\n".join(lines) + "\n"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def mb(size: float) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def record(path: Path, results: Sequence[Result], command: str, version: str, *, service: str) -> None:
    """Append one run of code ``version`` to ``path`` (created with an explaining header if
    missing); ``service`` says which service ran and how (e.g. its Granian workers)."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"Machine: {proc.machine()}; load average at the end {proc.load_average()}."
    section = [f"## {now}", "", machine, "", f"Code: {version}.", "", f"Service: {service}.", ""]
    section += [f"Command: `{command}`", ""]
    section += [result.markdown() for result in results]
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else HEADER
    path.write_text(existing.rstrip("\n") + "\n\n" + "\n".join(section), encoding="utf-8")


def code_version() -> str:
    """The commit of this checkout, and whether the working tree differs from it."""
    root = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        except OSError:
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown (not a git checkout)"
    return f"commit {commit}" + (" with uncommitted changes" if git("status", "--porcelain") else "")
