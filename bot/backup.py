"""`python -m bot backup FILE`: a whole, checked copy of the database, or no file at all."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path


def copy_database(source: Path, target: Path) -> None:
    """Copy with SQLite's online backup into a hidden file beside the target, check the copy, and only
    then give it the target's name: a failure (not a database, disk full, killed midway) never leaves
    a partial or empty file under the name the operator asked for. Raises sqlite3.Error or OSError."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        # mode=ro: a missing or wrong source is an error here, never a new empty database.
        source_db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            copy = sqlite3.connect(partial)
            try:
                source_db.backup(copy)
                (verdict,) = copy.execute("PRAGMA quick_check").fetchone()
                if verdict != "ok":
                    raise sqlite3.DatabaseError(f"the copy failed its check: {verdict}")
            finally:
                copy.close()
        finally:
            source_db.close()
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
