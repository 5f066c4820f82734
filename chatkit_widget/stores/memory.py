"""MemoryStore: a ChatKit store held in process memory (the default store).

Paging semantics shared by both stores (``SQLiteStore`` imports the helpers below):

- Records are ordered by ``created_at``; records with the same timestamp keep the
  order in which they were first stored, so a turn's items never shuffle.
- A record's position is fixed when it is first stored: upserting it later (``save_item``,
  ``add_thread_item`` of an existing id, ``save_thread``) replaces its content in place.
- ``after`` is the id of the last record of the previous page; the page holds the
  records strictly after it in the requested order. An ``after`` id that is not there
  (never existed, or deleted between two pages) raises ``NotFoundError``: silently
  restarting from the beginning would hand the caller duplicates.
- ``Page.after`` is the id of the last record in ``data`` (``None`` if ``data`` is empty),
  ready to pass back as the next ``after``.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Generic

from chatkit.store import NotFoundError, Store
from chatkit.types import Attachment, Page, ThreadItem, ThreadMetadata
from pydantic import BaseModel, TypeAdapter
from typing_extensions import TypeVar

TContext = TypeVar("TContext", default=Any)
T = TypeVar("T", bound=BaseModel)

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ORDERS = ("asc", "desc")


def _position(created_at: datetime) -> int:
    """Microseconds since the epoch: an exact, comparable sort key.

    Comparing datetimes directly raises when naive and aware ones meet (the SDK uses
    naive ``datetime.now()``, user code may not); naive times are taken as local time,
    as ``datetime.timestamp()`` does. Integers avoid float rounding at microsecond scale.
    """
    aware = created_at if created_at.tzinfo is not None else created_at.astimezone()
    return (aware - _EPOCH) // timedelta(microseconds=1)


def _as_metadata(thread: ThreadMetadata) -> ThreadMetadata:
    """A detached ``ThreadMetadata`` copy of ``thread``.

    The SDK hands ``save_thread`` a full ``Thread`` (with ``items``) after a response
    changes it; storing that as-is makes ``threads.get_by_id`` fail with a duplicate
    ``items`` argument, so only the metadata fields are kept.
    """
    fields = {name: getattr(thread, name) for name in ThreadMetadata.model_fields}
    return ThreadMetadata(**fields).model_copy(deep=True)


def _check_page_args(limit: int, order: str) -> None:
    # A bad order silently falling back to "asc" would hide caller bugs.
    if order not in _ORDERS:
        raise ValueError(f"order must be 'asc' or 'desc', not {order!r}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")


@dataclass
class _Entry(Generic[T]):
    """A stored record and its fixed position (creation time, then insertion order)."""

    key: tuple[int, int]
    value: T


def _copy(value: Any) -> Any:
    return value.model_copy(deep=True)


_ITEM: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)


def _freeze_item(item: ThreadItem) -> bytes | ThreadItem:
    """How an item is kept: its JSON, as in a database. Parsing it back (pydantic-core)
    costs a fifth of a deep copy, and a turn reads a page of items."""
    try:
        return _ITEM.dump_json(item)
    except Exception:  # content that is not JSON (e.g. hidden context): keep a copy
        return item.model_copy(deep=True)


def _thaw_item(stored: bytes | ThreadItem) -> ThreadItem:
    if isinstance(stored, bytes):
        return _ITEM.validate_json(stored)
    return stored.model_copy(deep=True)


class _Table(Generic[T]):
    """Records by id plus their ids kept sorted by position, so a page costs
    O(log n + limit) however many records there are (no sort per read)."""

    def __init__(self) -> None:
        self.entries: dict[str, _Entry[Any]] = {}
        self._order: list[tuple[int, int, str]] = []

    def __contains__(self, record_id: str) -> bool:
        return record_id in self.entries

    def get(self, record_id: str) -> _Entry[Any] | None:
        return self.entries.get(record_id)

    def put(self, record_id: str, value: Any, key: tuple[int, int]) -> None:
        entry = self.entries.get(record_id)
        if entry is not None:
            entry.value = value  # keep the original position
            return
        self.entries[record_id] = _Entry(key, value)
        insort(self._order, (*key, record_id))

    def pop(self, record_id: str) -> None:
        entry = self.entries.pop(record_id, None)
        if entry is not None:
            index = bisect_left(self._order, (*entry.key, record_id))
            del self._order[index]

    def page(
        self, after: str | None, limit: int, order: str, kind: str, thaw: Callable[[Any], T]
    ) -> Page[T]:
        """One page in ``order`` after the ``after`` id (see the module docstring)."""
        _check_page_args(limit, order)
        if after is not None:
            cursor = self.entries.get(after)
            if cursor is None:
                raise NotFoundError(f"{kind} {after!r} (the 'after' cursor) not found")
            at = bisect_left(self._order, (*cursor.key, after))
        if order == "asc":
            start = 0 if after is None else at + 1
            window = self._order[start : start + limit + 1]  # one extra tells has_more
        else:
            end = len(self._order) if after is None else at
            window = self._order[max(0, end - limit - 1) : end][::-1]
        ids = [record_id for *_, record_id in window[:limit]]
        return Page(
            # Copies of the page only: a caller mutating a loaded record changes nothing.
            data=[thaw(self.entries[record_id].value) for record_id in ids],
            has_more=len(window) > limit,
            after=ids[-1] if ids else None,
        )


class MemoryStore(Store[TContext]):
    """A ``chatkit.store.Store`` kept in dicts: fast, and gone when the kernel stops.

    ``context`` is accepted and ignored: every thread is visible to every context (one
    notebook, one user). Records are copied in and out (items kept as their JSON, as in
    a database), so mutating a loaded item changes nothing until it is saved, exactly as
    with a database-backed store.

    Items are keyed by (thread id, item id); ``load_thread_items`` of an unknown thread
    returns an empty page. Deleting something that does not exist is a no-op.
    """

    def __init__(self) -> None:
        self._threads: _Table[ThreadMetadata] = _Table()
        self._items: dict[str, _Table[ThreadItem]] = {}
        self._attachments: dict[str, Attachment] = {}
        # Insertion counter: breaks created_at ties so same-instant items keep their order.
        self._seq = 0
        # Methods may be called from event loops on different threads (kernel subshells);
        # the lock keeps read-modify-write steps (like upsert-or-insert) atomic.
        self._lock = threading.Lock()

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # Threads

    async def save_thread(self, thread: ThreadMetadata, context: TContext) -> None:
        metadata = _as_metadata(thread)
        with self._lock:
            if metadata.id in self._threads:
                self._threads.put(metadata.id, metadata, (0, 0))
            else:
                key = (_position(metadata.created_at), self._next_seq())
                self._threads.put(metadata.id, metadata, key)

    async def load_thread(self, thread_id: str, context: TContext) -> ThreadMetadata:
        with self._lock:
            entry = self._threads.get(thread_id)
            if entry is None:
                raise NotFoundError(f"thread {thread_id!r} not found")
            return entry.value.model_copy(deep=True)

    async def load_threads(
        self, limit: int, after: str | None, order: str, context: TContext
    ) -> Page[ThreadMetadata]:
        with self._lock:
            return self._threads.page(after, limit, order, "thread", _copy)

    async def delete_thread(self, thread_id: str, context: TContext) -> None:
        with self._lock:
            self._threads.pop(thread_id)
            self._items.pop(thread_id, None)

    # Items

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: TContext) -> None:
        # The SDK may add an item it already saved (e.g. when a stream is cancelled), so
        # adding is an upsert too.
        await self.save_item(thread_id, item, context)

    async def save_item(self, thread_id: str, item: ThreadItem, context: TContext) -> None:
        stored = _freeze_item(item)
        with self._lock:
            items = self._items.setdefault(thread_id, _Table())
            if item.id in items:
                items.put(item.id, stored, (0, 0))  # keeps the original position
            else:
                items.put(item.id, stored, (_position(item.created_at), self._next_seq()))

    async def load_item(self, thread_id: str, item_id: str, context: TContext) -> ThreadItem:
        with self._lock:
            table = self._items.get(thread_id)
            entry = table.get(item_id) if table is not None else None
            if entry is None:
                raise NotFoundError(f"item {item_id!r} not found in thread {thread_id!r}")
            return _thaw_item(entry.value)

    async def load_thread_items(
        self,
        thread_id: str,
        after: str | None,
        limit: int,
        order: str,
        context: TContext,
    ) -> Page[ThreadItem]:
        with self._lock:
            table = self._items.get(thread_id)
            if table is None:
                _check_page_args(limit, order)
                if after is not None:
                    raise NotFoundError(f"item {after!r} (the 'after' cursor) not found")
                return Page(data=[], has_more=False, after=None)
            return table.page(after, limit, order, "item", _thaw_item)

    async def delete_thread_item(self, thread_id: str, item_id: str, context: TContext) -> None:
        with self._lock:
            table = self._items.get(thread_id)
            if table is not None:
                table.pop(item_id)

    # Attachments (metadata only: the bytes live wherever the AttachmentStore puts them)

    async def save_attachment(self, attachment: Attachment, context: TContext) -> None:
        with self._lock:
            self._attachments[attachment.id] = attachment.model_copy(deep=True)

    async def load_attachment(self, attachment_id: str, context: TContext) -> Attachment:
        with self._lock:
            attachment = self._attachments.get(attachment_id)
            if attachment is None:
                raise NotFoundError(f"attachment {attachment_id!r} not found")
            return attachment.model_copy(deep=True)

    async def delete_attachment(self, attachment_id: str, context: TContext) -> None:
        with self._lock:
            self._attachments.pop(attachment_id, None)
