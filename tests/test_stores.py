"""Specification of MemoryStore and SQLiteStore (one suite, run against both)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from chatkit.server import ChatKitServer, NonStreamingResult, StreamingResult
from chatkit.store import NotFoundError, Store
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ClientToolCallItem,
    ClosedStatus,
    FileAttachment,
    HiddenContextItem,
    ImageAttachment,
    InferenceOptions,
    LockedStatus,
    Page,
    SDKHiddenContextItem,
    Thread,
    ThreadItem,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
    UserMessageTextContent,
)
from pydantic import AnyUrl

from chatkit_widget.stores import MemoryStore, SQLiteStore

REPO_ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2025, 1, 1, 12, 0, 0)
CTX: Any = None  # the stores ignore context; the SDK passes whatever the caller gave


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def thread_meta(thread_id: str, created_at: datetime = T0, **fields: Any) -> ThreadMetadata:
    return ThreadMetadata(id=thread_id, created_at=created_at, **fields)


def message(
    item_id: str, thread_id: str = "thr", created_at: datetime = T0, text: str = ""
) -> AssistantMessageItem:
    return AssistantMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=created_at,
        content=[AssistantMessageContent(text=text or item_id)],
    )


def ids(page: Page[Any]) -> list[str]:
    return [record.id for record in page.data]


async def all_item_ids(store: Store[Any], thread_id: str = "thr", order: str = "asc") -> list[str]:
    return ids(await store.load_thread_items(thread_id, None, 1000, order, CTX))


async def walk(load: Callable[[str | None], Awaitable[Page[Any]]]) -> list[tuple[list[str], bool]]:
    """Follow the cursor page by page; each page's `after` must be its last record's id."""
    pages: list[tuple[list[str], bool]] = []
    after: str | None = None
    while True:
        page = await load(after)
        assert page.after == (page.data[-1].id if page.data else None)
        pages.append((ids(page), page.has_more))
        if not page.has_more:
            return pages
        after = page.after


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store[Any]]:
    if request.param == "memory":
        yield MemoryStore()
    else:
        with SQLiteStore(tmp_path / "x.db") as sqlite_store:
            yield sqlite_store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "chat.db"


# Threads


async def test_thread_round_trips_title_status_metadata_and_image_domains(
    store: Store[Any],
) -> None:
    thread = thread_meta(
        "thr",
        title="Plots",
        status=LockedStatus(reason="read only"),
        metadata={"owner": "ana", "tags": ["a", "b"], "n": 3},
        allowed_image_domains=["example.com"],
    )
    await store.save_thread(thread, CTX)

    assert await store.load_thread("thr", CTX) == thread


async def test_save_thread_updates_an_existing_thread(store: Store[Any]) -> None:
    await store.save_thread(thread_meta("thr", title="Old"), CTX)
    await store.save_thread(thread_meta("thr", title="New", status=ClosedStatus()), CTX)

    loaded = await store.load_thread("thr", CTX)
    assert (loaded.title, loaded.status) == ("New", ClosedStatus())
    assert ids(await store.load_threads(10, None, "asc", CTX)) == ["thr"]


async def test_save_thread_given_a_thread_with_items_stores_plain_metadata(
    store: Store[Any],
) -> None:
    full = Thread(id="thr", created_at=T0, title="T", items=Page(data=[message("m")]))
    await store.save_thread(full, CTX)

    loaded = await store.load_thread("thr", CTX)
    assert type(loaded) is ThreadMetadata
    assert loaded == thread_meta("thr", title="T")


class TitlingServer(ChatKitServer[Any]):
    """Names the thread and says nothing: the SDK then saves the full `Thread` object."""

    async def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: Any
    ) -> AsyncIterator[ThreadStreamEvent]:
        thread.title = "Named by respond"
        return
        yield  # makes this an async generator


async def test_server_gets_a_thread_by_id_after_a_response_renamed_it(store: Store[Any]) -> None:
    server = TitlingServer(store)
    create = {
        "type": "threads.create",
        "params": {
            "input": {
                "content": [{"type": "input_text", "text": "hi"}],
                "attachments": [],
                "inference_options": {},
            }
        },
    }
    stream = await server.process(json.dumps(create), CTX)
    assert isinstance(stream, StreamingResult)
    events = [json.loads(chunk.removeprefix(b"data: ")) async for chunk in stream]
    thread_id = events[0]["thread"]["id"]

    get = {"type": "threads.get_by_id", "params": {"thread_id": thread_id}}
    result = await server.process(json.dumps(get), CTX)

    assert isinstance(result, NonStreamingResult)
    thread = json.loads(result.json)
    assert thread["title"] == "Named by respond"
    assert [item["type"] for item in thread["items"]["data"]] == ["user_message"]


async def test_load_thread_raises_not_found_for_an_unknown_id(store: Store[Any]) -> None:
    with pytest.raises(NotFoundError):
        await store.load_thread("nope", CTX)


async def test_threads_page_oldest_first_across_pages(store: Store[Any]) -> None:
    for n in (3, 0, 4, 1, 2):  # saved out of order: creation time decides
        await store.save_thread(thread_meta(f"t{n}", minutes(n)), CTX)

    pages = await walk(lambda after: store.load_threads(2, after, "asc", CTX))

    assert pages == [(["t0", "t1"], True), (["t2", "t3"], True), (["t4"], False)]


async def test_threads_page_newest_first_across_pages(store: Store[Any]) -> None:
    for n in (3, 0, 4, 1, 2):
        await store.save_thread(thread_meta(f"t{n}", minutes(n)), CTX)

    pages = await walk(lambda after: store.load_threads(2, after, "desc", CTX))

    assert pages == [(["t4", "t3"], True), (["t2", "t1"], True), (["t0"], False)]


async def test_threads_created_in_the_same_instant_keep_insertion_order(
    store: Store[Any],
) -> None:
    for thread_id in ("b", "c", "a"):
        await store.save_thread(thread_meta(thread_id, T0), CTX)

    assert ids(await store.load_threads(10, None, "asc", CTX)) == ["b", "c", "a"]
    assert ids(await store.load_threads(10, None, "desc", CTX)) == ["a", "c", "b"]


async def test_resaving_a_thread_keeps_its_position(store: Store[Any]) -> None:
    for n in range(3):
        await store.save_thread(thread_meta(f"t{n}", T0), CTX)
    await store.save_thread(thread_meta("t0", T0, title="renamed"), CTX)

    assert ids(await store.load_threads(10, None, "asc", CTX)) == ["t0", "t1", "t2"]


async def test_load_threads_with_an_unknown_after_raises_not_found(store: Store[Any]) -> None:
    await store.save_thread(thread_meta("thr"), CTX)

    with pytest.raises(NotFoundError):
        await store.load_threads(10, "nope", "asc", CTX)


async def test_delete_thread_removes_the_thread_and_its_items_only(store: Store[Any]) -> None:
    for thread_id in ("gone", "kept"):
        await store.save_thread(thread_meta(thread_id), CTX)
        await store.add_thread_item(thread_id, message(f"{thread_id}-m", thread_id), CTX)

    await store.delete_thread("gone", CTX)

    with pytest.raises(NotFoundError):
        await store.load_thread("gone", CTX)
    assert await all_item_ids(store, "gone") == []
    assert ids(await store.load_threads(10, None, "asc", CTX)) == ["kept"]
    assert await all_item_ids(store, "kept") == ["kept-m"]


# Items


async def test_items_round_trip_with_their_types_and_fields(store: Store[Any]) -> None:
    attachment = FileAttachment(id="atc", name="a.csv", mime_type="text/csv", thread_id="thr")
    items: list[ThreadItem] = [
        UserMessageItem(
            id="u",
            thread_id="thr",
            created_at=minutes(0),
            content=[UserMessageTextContent(text="plot it")],
            attachments=[attachment],
            inference_options=InferenceOptions(),
        ),
        ClientToolCallItem(
            id="c",
            thread_id="thr",
            created_at=minutes(1),
            call_id="call",
            name="get_selection",
            arguments={"rows": [1, 2]},
            status="completed",
            output={"ok": True},
        ),
        message("a", created_at=minutes(2), text="done"),
    ]
    for item in items:
        await store.add_thread_item("thr", item, CTX)

    assert (await store.load_thread_items("thr", None, 10, "asc", CTX)).data == items
    assert await store.load_item("thr", "c", CTX) == items[1]


async def test_items_page_oldest_first_across_pages(store: Store[Any]) -> None:
    for n in (2, 0, 4, 1, 3):
        await store.add_thread_item("thr", message(f"m{n}", created_at=minutes(n)), CTX)

    pages = await walk(lambda after: store.load_thread_items("thr", after, 2, "asc", CTX))

    assert pages == [(["m0", "m1"], True), (["m2", "m3"], True), (["m4"], False)]


async def test_items_page_newest_first_across_pages(store: Store[Any]) -> None:
    for n in (2, 0, 4, 1, 3):
        await store.add_thread_item("thr", message(f"m{n}", created_at=minutes(n)), CTX)

    pages = await walk(lambda after: store.load_thread_items("thr", after, 2, "desc", CTX))

    assert pages == [(["m4", "m3"], True), (["m2", "m1"], True), (["m0"], False)]


async def test_a_page_that_holds_exactly_the_rest_has_no_more(store: Store[Any]) -> None:
    for n in range(4):
        await store.add_thread_item("thr", message(f"m{n}", created_at=minutes(n)), CTX)

    page = await store.load_thread_items("thr", "m1", 2, "asc", CTX)

    assert (ids(page), page.has_more, page.after) == (["m2", "m3"], False, "m3")


async def test_the_page_after_the_last_item_is_empty(store: Store[Any]) -> None:
    await store.add_thread_item("thr", message("m0"), CTX)

    page = await store.load_thread_items("thr", "m0", 5, "asc", CTX)

    assert (page.data, page.has_more, page.after) == ([], False, None)


async def test_items_created_in_the_same_instant_keep_insertion_order(store: Store[Any]) -> None:
    for item_id in ("user", "tool", "answer", "end"):
        await store.add_thread_item("thr", message(item_id, created_at=T0), CTX)

    assert await all_item_ids(store) == ["user", "tool", "answer", "end"]
    assert await all_item_ids(store, order="desc") == ["end", "answer", "tool", "user"]
    pages = await walk(lambda after: store.load_thread_items("thr", after, 3, "asc", CTX))
    assert pages == [(["user", "tool", "answer"], True), (["end"], False)]


async def test_naive_and_aware_timestamps_sort_together(store: Store[Any]) -> None:
    # The SDK stamps naive local times; user code may use aware ones.
    await store.add_thread_item("thr", message("later", created_at=datetime.now()), CTX)
    await store.add_thread_item(
        "thr", message("earlier", created_at=datetime.now(timezone.utc) - timedelta(days=1)), CTX
    )

    assert await all_item_ids(store) == ["earlier", "later"]


async def test_save_item_replaces_content_and_keeps_position(store: Store[Any]) -> None:
    for item_id in ("a", "b", "c"):
        await store.add_thread_item("thr", message(item_id), CTX)

    await store.save_item("thr", message("a", text="edited"), CTX)

    assert await all_item_ids(store) == ["a", "b", "c"]
    assert await store.load_item("thr", "a", CTX) == message("a", text="edited")


async def test_save_item_inserts_an_item_that_is_not_stored_yet(store: Store[Any]) -> None:
    await store.save_item("thr", message("new"), CTX)

    assert await store.load_item("thr", "new", CTX) == message("new")


async def test_adding_an_existing_item_id_replaces_it_in_place(store: Store[Any]) -> None:
    for item_id in ("a", "b"):
        await store.add_thread_item("thr", message(item_id), CTX)

    await store.add_thread_item("thr", message("a", text="partial answer"), CTX)

    assert await all_item_ids(store) == ["a", "b"]
    assert await store.load_item("thr", "a", CTX) == message("a", text="partial answer")


async def test_load_item_raises_not_found_for_an_unknown_id(store: Store[Any]) -> None:
    with pytest.raises(NotFoundError):
        await store.load_item("thr", "nope", CTX)


async def test_load_item_raises_not_found_for_an_item_of_another_thread(
    store: Store[Any],
) -> None:
    await store.add_thread_item("thr", message("m"), CTX)

    with pytest.raises(NotFoundError):
        await store.load_item("other", "m", CTX)


async def test_load_thread_items_with_an_unknown_after_raises_not_found(
    store: Store[Any],
) -> None:
    await store.add_thread_item("thr", message("m"), CTX)

    with pytest.raises(NotFoundError):
        await store.load_thread_items("thr", "nope", 10, "asc", CTX)


async def test_load_thread_items_of_an_unknown_thread_is_an_empty_page(
    store: Store[Any],
) -> None:
    page = await store.load_thread_items("nope", None, 10, "asc", CTX)

    assert (page.data, page.has_more, page.after) == ([], False, None)


@pytest.mark.parametrize(("limit", "order"), [(10, "newest"), (0, "asc"), (-1, "desc")])
async def test_paging_rejects_an_invalid_order_or_limit(
    store: Store[Any], limit: int, order: str
) -> None:
    with pytest.raises(ValueError):
        await store.load_thread_items("thr", None, limit, order, CTX)
    with pytest.raises(ValueError):
        await store.load_threads(limit, None, order, CTX)


async def test_delete_thread_item_removes_only_that_item(store: Store[Any]) -> None:
    for item_id in ("a", "b", "c"):
        await store.add_thread_item("thr", message(item_id), CTX)

    await store.delete_thread_item("thr", "b", CTX)

    assert await all_item_ids(store) == ["a", "c"]
    with pytest.raises(NotFoundError):
        await store.load_item("thr", "b", CTX)


async def test_hidden_context_items_are_stored_and_listed_like_any_other(
    store: Store[Any],
) -> None:
    hidden = HiddenContextItem(id="h", thread_id="thr", created_at=T0, content={"k": "v"})
    sdk_hidden = SDKHiddenContextItem(id="s", thread_id="thr", created_at=T0, content="cancelled")
    await store.add_thread_item("thr", hidden, CTX)
    await store.add_thread_item("thr", sdk_hidden, CTX)

    assert (await store.load_thread_items("thr", None, 10, "asc", CTX)).data == [hidden, sdk_hidden]


# Attachments


async def test_attachments_round_trip_with_their_metadata(store: Store[Any]) -> None:
    file = FileAttachment(id="f", name="a.csv", mime_type="text/csv", metadata={"path": "/x"})
    image = ImageAttachment(
        id="i", name="p.png", mime_type="image/png", preview_url=AnyUrl("https://example.com/p.png")
    )
    await store.save_attachment(file, CTX)
    await store.save_attachment(image, CTX)

    assert await store.load_attachment("f", CTX) == file
    assert await store.load_attachment("i", CTX) == image


async def test_save_attachment_updates_an_existing_attachment(store: Store[Any]) -> None:
    await store.save_attachment(FileAttachment(id="f", name="a.csv", mime_type="text/csv"), CTX)
    attached = FileAttachment(id="f", name="a.csv", mime_type="text/csv", thread_id="thr")

    await store.save_attachment(attached, CTX)

    assert await store.load_attachment("f", CTX) == attached


async def test_delete_attachment_removes_it(store: Store[Any]) -> None:
    await store.save_attachment(FileAttachment(id="f", name="a", mime_type="text/plain"), CTX)

    await store.delete_attachment("f", CTX)

    with pytest.raises(NotFoundError):
        await store.load_attachment("f", CTX)


async def test_load_attachment_raises_not_found_for_an_unknown_id(store: Store[Any]) -> None:
    with pytest.raises(NotFoundError):
        await store.load_attachment("nope", CTX)


# General behaviour


async def test_deleting_missing_records_is_a_no_op(store: Store[Any]) -> None:
    await store.delete_thread("nope", CTX)
    await store.delete_thread_item("nope", "nope", CTX)
    await store.delete_attachment("nope", CTX)


async def test_context_does_not_scope_what_is_visible(store: Store[Any]) -> None:
    await store.save_thread(thread_meta("thr"), {"user": "a"})
    await store.add_thread_item("thr", message("m"), {"user": "a"})

    assert (await store.load_thread("thr", {"user": "b"})).id == "thr"
    assert ids(await store.load_thread_items("thr", None, 10, "asc", {"user": "b"})) == ["m"]


async def test_mutating_a_loaded_record_does_not_change_the_store(store: Store[Any]) -> None:
    await store.save_thread(thread_meta("thr", title="kept", metadata={"n": 1}), CTX)
    await store.add_thread_item("thr", message("m", text="kept"), CTX)

    thread = await store.load_thread("thr", CTX)
    thread.title, thread.metadata["n"] = "changed", 2
    item = await store.load_item("thr", "m", CTX)
    assert isinstance(item, AssistantMessageItem)
    item.content[0].text = "changed"

    assert await store.load_thread("thr", CTX) == thread_meta(
        "thr", title="kept", metadata={"n": 1}
    )
    assert await store.load_item("thr", "m", CTX) == message("m", text="kept")


def run_on_threads(*coroutines: Coroutine[Any, Any, None]) -> None:
    """Run each coroutine on its own thread's event loop at once; re-raise the first error."""
    errors: list[BaseException] = []

    def run(coroutine: Coroutine[Any, Any, None]) -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=run, args=(c,)) for c in coroutines]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]


async def add_many(store: Store[Any], prefix: str, count: int = 150) -> None:
    for n in range(count):
        await store.add_thread_item("thr", message(f"{prefix}{n}"), CTX)
        await store.load_thread_items("thr", None, 5, "desc", CTX)


async def test_calls_from_event_loops_on_several_threads_all_land(store: Store[Any]) -> None:
    run_on_threads(*(add_many(store, prefix) for prefix in "abc"))

    stored = await all_item_ids(store)
    assert sorted(stored) == sorted(f"{p}{n}" for p in "abc" for n in range(150))
    for prefix in "abc":  # each writer's items keep its own order
        assert [i for i in stored if i[0] == prefix] == [f"{prefix}{n}" for n in range(150)]


# SQLiteStore only


async def test_sqlite_data_survives_closing_and_reopening_the_file(db_path: Path) -> None:
    with SQLiteStore(db_path) as store:
        await store.save_thread(thread_meta("thr", title="Kept"), CTX)
        for item_id in ("b", "a", "c"):
            await store.add_thread_item("thr", message(item_id), CTX)
        await store.save_attachment(FileAttachment(id="f", name="a", mime_type="text/plain"), CTX)

    with SQLiteStore(db_path) as reopened:
        assert (await reopened.load_thread("thr", CTX)).title == "Kept"
        assert await all_item_ids(reopened) == ["b", "a", "c"]
        assert (await reopened.load_attachment("f", CTX)).name == "a"


async def test_two_sqlite_stores_on_one_file_see_each_others_writes(db_path: Path) -> None:
    with SQLiteStore(db_path) as first, SQLiteStore(db_path) as second:
        await first.save_thread(thread_meta("thr", title="from first"), CTX)
        await second.add_thread_item("thr", message("from-second"), CTX)

        assert (await second.load_thread("thr", CTX)).title == "from first"
        assert await all_item_ids(first) == ["from-second"]


async def test_sqlite_calls_from_two_stores_on_several_threads_all_land(db_path: Path) -> None:
    with SQLiteStore(db_path) as first, SQLiteStore(db_path) as second:
        run_on_threads(
            *(add_many(s, p) for s, p in ((first, "a"), (second, "b"), (first, "c"), (second, "d")))
        )

        assert len(await all_item_ids(first)) == 600


def run_python(code: str, *args: str) -> str:
    """Run `code` in a fresh interpreter (the one running the tests) from the repo root."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


async def test_a_separate_process_reads_what_this_process_wrote(db_path: Path) -> None:
    with SQLiteStore(db_path) as store:  # kept open: the file is shared, not handed over
        await store.save_thread(thread_meta("thr", title="Shared"), CTX)
        await store.add_thread_item("thr", message("m1"), CTX)
        await store.add_thread_item("thr", message("m2"), CTX)

        output = run_python(
            """
            import asyncio, sys
            from chatkit_widget.stores import SQLiteStore

            async def main() -> None:
                with SQLiteStore(sys.argv[1]) as store:
                    thread = await store.load_thread("thr", None)
                    items = await store.load_thread_items("thr", None, 10, "asc", None)
                    print(thread.title, *[item.id for item in items.data])

            asyncio.run(main())
            """,
            str(db_path),
        )

    assert output == "Shared m1 m2"


async def test_this_process_reads_what_a_separate_process_wrote(db_path: Path) -> None:
    with SQLiteStore(db_path) as store:
        await store.save_thread(thread_meta("thr"), CTX)

        run_python(
            """
            import asyncio, sys
            from datetime import datetime
            from chatkit.types import EndOfTurnItem
            from chatkit_widget.stores import SQLiteStore

            async def main() -> None:
                with SQLiteStore(sys.argv[1]) as store:
                    item = EndOfTurnItem(id="eot", thread_id="thr", created_at=datetime.now())
                    await store.add_thread_item("thr", item, None)

            asyncio.run(main())
            """,
            str(db_path),
        )

        assert await all_item_ids(store) == ["eot"]


def test_sqlite_file_is_in_wal_mode_with_a_schema_version(db_path: Path) -> None:
    SQLiteStore(db_path).close()

    conn = sqlite3.connect(db_path)
    journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    user_version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()

    assert (journal_mode, user_version) == ("wal", 1)


def test_sqlite_refuses_a_file_with_a_newer_schema(db_path: Path) -> None:
    SQLiteStore(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()

    with pytest.raises(RuntimeError, match="schema version 99"):
        SQLiteStore(db_path)


async def test_sqlite_store_is_closed_when_its_with_block_ends(db_path: Path) -> None:
    with SQLiteStore(db_path) as store:
        pass

    with pytest.raises(sqlite3.ProgrammingError):
        await store.load_thread("thr", CTX)


async def test_memory_store_keeps_items_whose_content_is_not_json() -> None:
    # Hidden context may hold any Python value: kept (as a copy), not refused.
    from chatkit.types import HiddenContextItem

    store: MemoryStore[Any] = MemoryStore()
    marker = object()
    item = HiddenContextItem(
        id="h", thread_id="thr", created_at=datetime(2026, 1, 1), content={"obj": marker}
    )
    await store.add_thread_item("thr", item, CTX)
    loaded = await store.load_item("thr", "h", CTX)
    assert isinstance(loaded, HiddenContextItem) and loaded.content["obj"] is not None
    loaded.content["obj"] = "changed"
    again = await store.load_item("thr", "h", CTX)
    assert isinstance(again, HiddenContextItem) and again.content["obj"] != "changed"


async def test_memory_store_pages_do_not_get_slower_with_the_thread() -> None:
    # A page is found by bisection, not by sorting the thread per read.
    store: MemoryStore[Any] = MemoryStore()
    for n in range(20_000):
        await store.add_thread_item("thr", message(f"m{n:05}"), CTX)
    start = time.process_time()
    for _ in range(400):
        page = await store.load_thread_items("thr", None, 20, "desc", CTX)
    elapsed = time.process_time() - start
    assert ids(page)[0] == "m19999" and page.has_more
    # 400 pages of 20 items: copies only. Sorting 20,000 entries per read took seconds.
    assert elapsed < 1.0, elapsed
