"""``python -m simulator hostile``: the memory attack of docs/reliability.md, measured.

Sends ``--requests`` ``single`` requests, each for ``--ids`` ids of users that do not exist (a
new range each time), to a running service, waits ``--settle`` seconds and reports what the
service holds before and after: cached objects, their estimated bytes, evictions, groups,
watched keys (from ``/system/autoupdate/metrics``) and the RSS of its process tree (when it
runs on this machine). The requests are sent with development credentials of ``--user``, who
must be allowed to read the metrics (an organization manager).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from simulator.bench import proc
from simulator.bench.driver import Endpoint
from simulator.load import listening_pid
from simulator.tokens import mint

SHOWN = tuple(
    f"autoupdate_{name}"
    for name in (
        "datastore_cache_objects",
        "datastore_cache_missing",
        "datastore_cache_bytes",
        "datastore_cache_evictions",
        "groups",
        "watched_keys",
    )
)
"""Prometheus names of the metrics in the report."""
FIRST_ID = 1_000_000
"""Ids from here up are taken to name no user (the simulator's data has far fewer)."""


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    credentials = mint(args.user)
    headers = {
        "Authentication": credentials.authentication_header,
        "Cookie": f"refreshId={credentials.cookie}",
    }
    pid = args.pid or listening_pid(Endpoint.parse(args.url))
    with httpx.Client(base_url=args.url, headers=headers, timeout=args.timeout) as client:
        before = _metrics(client) | {"rss": _rss(pid)}
        rows = []
        for part in range(args.requests):
            first = FIRST_ID + part * args.ids
            body = json.dumps(
                [
                    {
                        "collection": "user",
                        "ids": list(range(first, first + args.ids)),
                        "fields": {"username": None},
                    }
                ]
            )
            started = time.monotonic()
            response = client.post("/system/autoupdate?single", content=body)
            seconds = time.monotonic() - started
            status, rss = response.status_code, _mib(_rss(pid))
            rows.append(f"| {part + 1} | {len(body):,} | {status} | {seconds:.1f} s | {rss} |")
            if response.status_code != 200:
                print(f"request {part + 1}: {response.status_code} {response.text.strip()}", file=sys.stderr)
        time.sleep(args.settle)
        after = _metrics(client) | {"rss": _rss(pid)}
    print("| request | body bytes | status | time | service RSS after |\n|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\n| after {args.settle:g} s | before | after |\n|---|---|---|")
    for name in (*SHOWN, "rss"):
        show = _mib if name == "rss" else _count
        print(f"| `{name}` | {show(before.get(name))} | {show(after.get(name))} |")
    if args.json is not None:
        args.json.write_text(json.dumps({"before": before, "after": after}, indent=2) + "\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulator hostile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:9012", help="the service (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=6, help="single requests (default: %(default)s)")
    parser.add_argument(
        "--ids", type=int, default=100_000, help="missing user ids each (default: %(default)s)"
    )
    parser.add_argument(
        "--settle", type=float, default=5.0, help="seconds to wait before measuring (default: %(default)s)"
    )
    parser.add_argument("--user", type=int, default=1, help="user of the credentials (default: %(default)s)")
    parser.add_argument("--pid", type=int, help="the service's process id (default: found by its port)")
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds per request (default: %(default)s)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    return parser


def _metrics(client: httpx.Client) -> dict[str, int | None]:
    response = client.get("/system/autoupdate/metrics")
    response.raise_for_status()
    values = (line.split() for line in response.text.splitlines() if line and not line.startswith("#"))
    return {name: int(value) for name, value in values}


def _rss(pid: int | None) -> int | None:
    return None if pid is None else proc.rss_bytes(pid)


def _mib(size: int | None) -> str:
    return "unknown" if size is None else f"{size / 2**20:.0f} MiB"


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"
