"""SQLiteStore: a ChatKit store in one SQLite file, durable across kernel restarts.

Records are stored as the JSON pydantic produces for them, next to the few indexed
columns the queries need (id, thread, position). Paging follows the same rules as
``MemoryStore`` (see ``memory.py``): creation order with insertion-order ties, positions
fixed on first store, ``after`` = id of the previous page's last record, an unknown
``after`` raises ``NotFoundError``.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Literal

from chatkit.store import NotFoundError, Store
from chatkit.types import Attachment, Page, ThreadItem, ThreadMetadata
from pydantic import TypeAdapter
from typing_extensions import Self, TypeVar

from .memory import _as_metadata, _check_page_args, _position

TContext = TypeVar("TContext", default=Any)

_ITEM: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)
_ATTACHMENT: TypeAdapter[Attachment] = TypeAdapter(Attachment)

# A write waits this long for another connection's write to finish before failing with
# "database is locked". Writes are single short transactions, so this is generous.
BUSY_TIMEOUT_SECONDS = 5.0

# MIGRATIONS[n] takes a file from schema version n to n + 1; the version lives in
# ``PRAGMA user_version`` (0 for a new file). To change the schema, append a step.
MIGRATIONS: list[list[str]] = [
    [
        # seq is the rowid: it grows with every insert, so (created_at, seq) orders
        # records by creation time and keeps same-instant records in insertion order.
        # created_at is microseconds since the epoch (exact and comparable).
        """CREATE TABLE IF NOT EXISTS threads (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            created_at INTEGER NOT NULL,
            data TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS threads_by_position ON threads (created_at, seq)",
        """CREATE TABLE IF NOT EXISTS items (
            seq INTEGER PRIMARY KEY,
            thread_id TEXT NOT NULL,
            id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            data TEXT NOT NULL,
            UNIQUE (thread_id, id)
        )""",
        "CREATE INDEX IF NOT EXISTS items_by_position ON items (thread_id, created_at, seq)",
        """CREATE TABLE IF NOT EXISTS attachments (
            id TEXT PRIMARY KEY,
            data TEXT NOT NULL
        )""",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)


def _can_create_files_in(directory: str) -> bool:
    # Tried, not os.access(): root passes access() checks that the filesystem refuses.
    try:
        fd, name = tempfile.mkstemp(dir=directory, prefix=".ckw-probe-")
    except OSError:
        return False
    os.close(fd)
    os.unlink(name)
    return True


def _explained(exc: sqlite3.Error, path: str) -> sqlite3.Error:
    """``exc`` (SQLite's bare "unable to open database file"…) with the path and the
    likely reason, as the same exception type so callers' handlers still match."""
    absolute = os.path.abspath(path)
    parent = os.path.dirname(absolute)
    missing = parent
    while missing and not os.path.exists(os.path.dirname(missing)):
        missing = os.path.dirname(missing)
    if path == ":memory:" or path.startswith("file:"):
        reason = str(exc)
    elif os.path.isdir(absolute):
        reason = "it is a directory; give the path of a database file inside it"
    elif not os.path.isdir(parent):
        reason = f"the directory {missing if not os.path.exists(parent) else parent} does not exist"
    elif not _can_create_files_in(parent):
        # WAL journaling needs its -wal and -shm files next to the database.
        reason = f"the directory {parent} is not writable (SQLite needs to create files there)"
    elif os.path.exists(absolute) and not os.access(absolute, os.R_OK | os.W_OK):
        reason = "the file is not readable and writable by this user"
    elif isinstance(exc, sqlite3.DatabaseError) and "not a database" in str(exc):
        reason = "the file exists but is not an SQLite database (it was left untouched)"
    else:
        reason = str(exc)
    explained = type(exc)(f"cannot open the SQLite store {absolute}: {reason} ({exc})")
    return explained


class SQLiteStore(Store[TContext]):
    """A ``chatkit.store.Store`` in an SQLite file (stdlib ``sqlite3``).

    Several widgets, kernels or processes may share one file: it uses WAL journaling
    (readers never block the writer), a busy timeout, and one short transaction per call.
    Within a process one connection is shared behind a lock, because methods may run on
    event loops in different threads. Each call is a few small synchronous queries, cheap
    enough to run on the kernel's event loop.

    ``context`` is accepted and ignored: every thread is visible to every context.
    Items are keyed by (thread id, item id); ``load_thread_items`` of an unknown thread
    returns an empty page; deleting something that does not exist is a no-op;
    ``delete_thread`` removes the thread's items but not attachment records (those follow
    the ``AttachmentStore``'s lifecycle). ``ThreadMetadata.metadata`` and item payloads
    must be JSON-serializable.

    Use ``close()`` or ``with SQLiteStore(path) as store:`` to release the file.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        try:
            # isolation_level=None: no implicit transactions; we BEGIN/COMMIT ourselves so
            # every transaction is exactly as long as one method call.
            self._conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise _explained(exc, self.path) from exc
        self._lock = threading.Lock()
        try:
            # WAL is persistent in the file and lets readers and one writer work at
            # once; NORMAL sync is safe with WAL (a power cut may lose the last commit,
            # never corrupt the file) and avoids an fsync per message.
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.Error as exc:
            self._conn.close()
            raise _explained(exc, self.path) from exc
        except BaseException:
            self._conn.close()
            raise

    def _migrate(self) -> None:
        # BEGIN IMMEDIATE: two processes opening a new file at once must not both migrate.
        with self._write() as conn:
            version: int = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.path} has schema version {version}, newer than this "
                    f"chatkit_widget supports ({SCHEMA_VERSION}); upgrade chatkit_widget"
                )
            for step in MIGRATIONS[version:]:
                for statement in step:
                    conn.execute(statement)
            # PRAGMA takes no parameters; SCHEMA_VERSION is our own integer.
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; takes the file's write lock up front (no upgrade deadlock)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent snapshot across the statements inside it."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection; the store is unusable afterwards. Idempotent."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _select_page(
        self,
        table: Literal["threads", "items"],
        thread_id: str | None,
        after: str | None,
        limit: int,
        order: str,
    ) -> tuple[list[str], bool, str | None]:
        """(JSON of the page's records, has_more, id of the last one) for either table."""
        _check_page_args(limit, order)
        # table comes from the Literal above, never from the caller's data.
        scope, args = ("thread_id = ?", [thread_id]) if table == "items" else ("1", [])
        compare, direction = (">", "ASC") if order == "asc" else ("<", "DESC")
        with self._read() as conn:
            if after is not None:
                cursor = conn.execute(
                    f"SELECT created_at, seq FROM {table} WHERE {scope} AND id = ?",
                    [*args, after],
                ).fetchone()
                if cursor is None:
                    raise NotFoundError(f"{table[:-1]} {after!r} (the 'after' cursor) not found")
                scope += f" AND (created_at, seq) {compare} (?, ?)"
                args += cursor
            # One extra row tells us whether there is a next page.
            rows: list[tuple[str, str]] = conn.execute(
                f"SELECT id, data FROM {table} WHERE {scope}"
                f" ORDER BY created_at {direction}, seq {direction} LIMIT ?",
                [*args, limit + 1],
            ).fetchall()
        page = rows[:limit]
        return [data for _, data in page], len(rows) > limit, page[-1][0] if page else None

    # Threads

    async def save_thread(self, thread: ThreadMetadata, context: TContext) -> None:
        metadata = _as_metadata(thread)
        with self._write() as conn:
            # On conflict only the data changes: the thread keeps its position.
            conn.execute(
                "INSERT INTO threads (id, created_at, data) VALUES (?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                (metadata.id, _position(metadata.created_at), metadata.model_dump_json()),
            )

    async def load_thread(self, thread_id: str, context: TContext) -> ThreadMetadata:
        with self._read() as conn:
            row = conn.execute("SELECT data FROM threads WHERE id = ?", (thread_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"thread {thread_id!r} not found")
        return ThreadMetadata.model_validate_json(row[0])

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: TContext
    ) -> Page[ThreadMetadata]:
        data, has_more, last = self._select_page("threads", None, after, limit, order)
        return Page(
            data=[ThreadMetadata.model_validate_json(d) for d in data],
            has_more=has_more,
            after=last,
        )

    async def delete_thread(self, thread_id: str, context: TContext) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM items WHERE thread_id = ?", (thread_id,))
            conn.execute("DELETE FROM threads WHERE id = ?", (thread_id,))

    # Items

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: TContext) -> None:
        # The SDK may add an item it already saved (e.g. when a stream is cancelled), so
        # adding is an upsert too.
        await self.save_item(thread_id, item, context)

    async def save_item(self, thread_id: str, item: ThreadItem, context: TContext) -> None:
        data = _ITEM.dump_json(item).decode()
        with self._write() as conn:
            # On conflict only the data changes: the item keeps its position.
            conn.execute(
                "INSERT INTO items (thread_id, id, created_at, data) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (thread_id, id) DO UPDATE SET data = excluded.data",
                (thread_id, item.id, _position(item.created_at), data),
            )

    async def load_item(self, thread_id: str, item_id: str, context: TContext) -> ThreadItem:
        with self._read() as conn:
            row = conn.execute(
                "SELECT data FROM items WHERE thread_id = ? AND id = ?", (thread_id, item_id)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"item {item_id!r} not found in thread {thread_id!r}")
        return _ITEM.validate_json(row[0])

    async def load_thread_items(
        self,
        thread_id: str,
        after: str | None,
        limit: int,
        order: str,
        context: TContext,
    ) -> Page[ThreadItem]:
        data, has_more, last = self._select_page("items", thread_id, after, limit, order)
        return Page(data=[_ITEM.validate_json(d) for d in data], has_more=has_more, after=last)

    async def delete_thread_item(self, thread_id: str, item_id: str, context: TContext) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM items WHERE thread_id = ? AND id = ?", (thread_id, item_id))

    # Attachments (metadata only: the bytes live wherever the AttachmentStore puts them)

    async def save_attachment(self, attachment: Attachment, context: TContext) -> None:
        data = _ATTACHMENT.dump_json(attachment).decode()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO attachments (id, data) VALUES (?, ?)"
                " ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                (attachment.id, data),
            )

    async def load_attachment(self, attachment_id: str, context: TContext) -> Attachment:
        with self._read() as conn:
            row = conn.execute(
                "SELECT data FROM attachments WHERE id = ?", (attachment_id,)
            ).fetchone()
        if row is None:
            raise NotFoundError(f"attachment {attachment_id!r} not found")
        return _ATTACHMENT.validate_json(row[0])

    async def delete_attachment(self, attachment_id: str, context: TContext) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM attachments WHERE id = ?", (attachment_id,))
