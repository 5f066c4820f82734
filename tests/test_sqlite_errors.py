"""SQLiteStore says which path it could not open, and why."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from chatkit_widget import SQLiteStore


def test_a_missing_parent_directory_is_named(tmp_path: Path):
    path = tmp_path / "no" / "such" / "dir" / "chats.db"
    with pytest.raises(sqlite3.OperationalError) as caught:
        SQLiteStore(path)
    message = str(caught.value)
    assert str(path) in message and "does not exist" in message
    assert str(tmp_path / "no") in message


def test_a_directory_is_not_a_database_file(tmp_path: Path):
    with pytest.raises(sqlite3.OperationalError) as caught:
        SQLiteStore(tmp_path)
    assert str(tmp_path) in str(caught.value) and "is a directory" in str(caught.value)


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database " * 100)
    with pytest.raises(sqlite3.DatabaseError) as caught:
        SQLiteStore(path)
    assert str(path) in str(caught.value) and "not an SQLite database" in str(caught.value)
    assert path.read_text().startswith("these are my notes")  # nothing lost


def test_a_directory_where_no_file_can_be_created_is_named(tmp_path: Path):
    if os.geteuid() == 0:
        # Root ignores permission bits; /proc refuses new files to everyone.
        readonly = Path("/proc")
    else:
        readonly = tmp_path / "readonly"
        readonly.mkdir(mode=0o555)
    path = readonly / "chats.db"
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            SQLiteStore(path)
    finally:
        if readonly != Path("/proc"):
            readonly.chmod(0o755)
    message = str(caught.value)
    assert str(path) in message and f"the directory {readonly} is not writable" in message
