"""Database faults at start-up and in the backup: one clear line and exit code 2, never a hang, never a
half-written file (issue #10, finding 7)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import BotProcess, cpu_seconds
from tests.e2e.people import read_only

pytestmark = pytest.mark.e2e
WALL_LIMIT = 90.0  # below the test timeout; a command that runs this long runs on, it is not slow
NOT_A_DATABASE = b"These are the minutes of a meeting, not a database.\n" * 200


def cli(bot: BotProcess, *args: str, idle: float = 10) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS`; a hang fails the test instead of blocking it.

    A hang is a process that uses no CPU for `idle` seconds (the old code waited forever on a thread) or runs
    longer than WALL_LIMIT (the old bot polled on). A tight wall-clock limit did not tell a hang from a slow start:
    on a loaded 2-core machine the imports alone took more than 20 s of wall time, for about 1.5 s of CPU.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=bot.workdir,
        env=bot.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    used, moved = 0.0, time.monotonic()
    started = moved
    while True:
        try:
            stdout, stderr = process.communicate(timeout=0.5)
            return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        except subprocess.TimeoutExpired:
            now = cpu_seconds(process.pid)
            if now > used:
                used, moved = now, time.monotonic()
            if time.monotonic() - moved > idle or time.monotonic() - started > WALL_LIMIT:  # waits, or runs on
                process.kill()
                process.communicate()
                raise AssertionError(f"python -m bot {' '.join(args)} did not end ({used:.1f} s of CPU)") from None


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    return lines[0]


def test_a_read_only_database_is_refused_at_start(bot: BotProcess) -> None:
    assert cli(bot, "migrate").returncode == 0
    with read_only(bot.database):
        line = one_line(cli(bot))  # today's code started and polled forever: a hang fails the test
        assert line.startswith(f"makker: cannot write the database at {bot.database}") and "readonly" in line
        assert "readonly" in one_line(cli(bot, "migrate"))


@pytest.mark.parametrize("command", [(), ("migrate",), ("import-initiatives", "data/initiatives.csv")])
def test_a_file_that_is_not_a_database_ends_in_one_line(bot: BotProcess, command: tuple[str, ...]) -> None:
    bot.database.parent.mkdir(parents=True)
    bot.database.write_bytes(NOT_A_DATABASE)
    if command and command[0] == "import-initiatives":
        catalogue = bot.workdir / "data" / "initiatives.csv"
        catalogue.write_text((Path(__file__).resolve().parents[2] / "data" / "initiatives.csv").read_text("utf-8"))
    line = one_line(cli(bot, *command))
    assert line == f"makker: cannot open the database at {bot.database}: file is not a database"
    assert bot.database.read_bytes() == NOT_A_DATABASE, "the file is left as it was"


def test_a_database_locked_longer_than_the_busy_timeout_is_one_line(bot: BotProcess) -> None:
    assert cli(bot, "migrate").returncode == 0
    holder = sqlite3.connect(bot.database, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        line = one_line(cli(bot, "migrate"))
        assert line == f"makker: cannot write the database at {bot.database}: database is locked"
    finally:
        holder.close()


def test_backup_of_a_broken_database_leaves_no_file(bot: BotProcess) -> None:
    bot.database.parent.mkdir(parents=True)
    bot.database.write_bytes(NOT_A_DATABASE)
    target = bot.workdir / "backups" / "makker-backup.sqlite3"
    line = one_line(cli(bot, "backup", str(target)))
    assert line.startswith("makker: no backup made:") and "not a database" in line
    assert not target.exists()
    assert list((bot.workdir / "backups").iterdir()) == [], "no partial file either"


def test_backup_of_a_good_database_is_a_checked_copy(bot: BotProcess) -> None:
    assert cli(bot, "migrate").returncode == 0
    target = bot.workdir / "makker-backup.sqlite3"
    result = cli(bot, "backup", str(target))
    assert result.returncode == 0 and result.stdout.startswith("Backed up")
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] >= 3
    assert [p.name for p in bot.workdir.iterdir() if p.name.startswith(".")] == []
