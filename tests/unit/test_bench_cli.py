"""``python -m simulator bench``'s options for B2's schedule and the service it starts: bad
values end with one line naming the option (before anything starts); the record's header
names the service."""

from __future__ import annotations

import resource
import signal
from pathlib import Path

import pytest

from simulator.bench.cli import main
from simulator.bench.report import Result, record

REMOTE = ["--url", "http://127.0.0.1:9", "--database-url", "postgresql://x@127.0.0.1:9/x"]
REMOTE += ["--redis-url", "redis://127.0.0.1:9/0"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--permission-at", "0"], "--permission-at: must be at least 1"),
        (["--permission-at", "x"], "--permission-at: invalid"),
        (["--write-interval", "-1"], "--write-interval: must be a number of seconds"),
        (["--write-interval", "nan"], "--write-interval: must be a number of seconds"),
        (["--open-batch", "0"], "--open-batch: must be at least 1"),
        (["--workers", "0"], "--workers: must be at least 1"),
    ],
)
def test_bad_values_are_named(arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["b2", *REMOTE, *arguments])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_the_permission_change_must_be_one_of_the_writes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["b2", *REMOTE, "--writes", "6", "--permission-at", "7"]) == 2
    assert "--permission-at 7: there are only 6 writes (--writes)" in capsys.readouterr().err


def test_workers_need_a_service_started_here(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["b2", *REMOTE, "--workers", "2"]) == 2
    assert "--workers sets the service started here: it needs --start-servers" in capsys.readouterr().err


def test_more_streams_than_open_files_allow_are_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raised: list[tuple[int, int]] = []
    monkeypatch.setattr(resource, "getrlimit", lambda _: (1024, 4096))
    monkeypatch.setattr(resource, "setrlimit", lambda _, limits: raised.append(limits))
    assert main(["b2", *REMOTE, "--connections", "100,5000"]) == 2
    assert raised == [(4096, 4096)]  # the soft limit was raised to the hard one first
    assert "--connections 5000 needs 5200 open files and the hard limit is 4096" in capsys.readouterr().err


def test_the_record_names_the_service(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    result = Result("B3 memory, C = 5", ("figure", "value"), [("RSS per open idle stream", "0.1 MB")])
    service = "started here, 2 Granian workers"
    record(path, [result], "python -m simulator bench b3", "commit abc", service=service)
    text = path.read_text()
    assert "Service: started here, 2 Granian workers." in text
    assert "| RSS per open idle stream | 0.1 MB |" in text


def test_an_in_process_run_records_that_no_service_ran(tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    tiny = ["--participants", "30", "--motions", "5", "--agenda-items", "4", "--polls", "2"]
    handler = signal.getsignal(signal.SIGTERM)
    try:
        assert main(["b4", *tiny, "--repeat", "1", "--record", str(path)]) == 0
    finally:
        signal.signal(signal.SIGTERM, handler)  # the command installs its own
    text = path.read_text()
    assert "Service: none (in-process scenarios only)." in text
    assert "### B4 domain only" in text
