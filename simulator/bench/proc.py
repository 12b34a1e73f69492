"""CPU time and memory of the service, read from ``/proc`` (Linux only), and the machine.

The service under Granian is a process tree (a supervisor and its workers), so every figure is
the sum over a process and all its descendants. CPU seconds are ``utime + stime``; memory is
the resident set size (``VmRSS``).
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """``pid`` and its living descendants."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                children.setdefault(int(stat[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of the process tree so far."""
    total = 0
    for member in tree(pid):
        stat = _stat(member)
        if stat is not None:
            total += int(stat[11]) + int(stat[12])  # utime, stime (fields 14, 15)
    return total / _TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory of the process tree."""
    total = 0
    for member in tree(pid):
        try:
            status = (PROC / str(member) / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def _stat(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name: [state, ppid, …]."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def machine() -> str:
    """``nproc``, total memory and CPU model, for the record."""
    model = "unknown CPU"
    for line in (PROC / "cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.partition(":")[2].strip()
            break
    memory_kb = 0
    for line in (PROC / "meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    cpus = len(os.sched_getaffinity(0))
    return f"nproc {cpus}, {memory_kb / 1024 / 1024:.1f} GiB memory, {model}"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews the figures."""
    return " / ".join((PROC / "loadavg").read_text().split()[:3])
