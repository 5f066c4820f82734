"""Threads: history, retry, feedback, long threads, persistence, export — headless."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    InferenceOptions,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
)

from chatkit_widget import ChatKitWidget, MemoryStore, SQLiteStore
from chatkit_widget.protocol import ITEMS_REMOVED

from .conftest import ScriptedServer, comm_of, settle


def custom(chat: ChatKitWidget) -> list[dict[str, Any]]:
    return comm_of(chat).custom()


def events(chat: ChatKitWidget) -> list[dict[str, Any]]:
    return [e for m in custom(chat) if m["type"] == "batch" for e in m["events"]]


async def seed_long_thread(store: Any, n: int) -> str:
    """A thread of ``n`` alternating user/assistant items, one second apart."""
    start = datetime(2026, 1, 1)
    await store.save_thread(ThreadMetadata(id="thr_long", title="Long", created_at=start), {})
    for i in range(n):
        when = start + timedelta(seconds=i)
        if i % 2 == 0:
            item: Any = UserMessageItem(
                id=f"msg_{i:04d}",
                thread_id="thr_long",
                created_at=when,
                content=[UserMessageTextContent(text=f"question {i}")],
                inference_options=InferenceOptions(),
            )
        else:
            item = AssistantMessageItem(
                id=f"msg_{i:04d}",
                thread_id="thr_long",
                created_at=when,
                content=[AssistantMessageContent(text=f"answer {i}")],
            )
        await store.add_thread_item("thr_long", item, {})
    return "thr_long"


async def test_threads_lists_newest_first_with_titles():
    server = ScriptedServer()
    chat = ChatKitWidget(server)
    await chat.send("first")
    first = chat.thread_id
    await server.store.save_thread(chat.thread.model_copy(update={"title": "First chat"}), {})
    await chat.new_thread()
    await chat.send("second")
    threads = await chat.threads()
    assert [t.id for t in threads] == [chat.thread_id, first]
    assert threads[1].title == "First chat"


async def test_rename_updates_the_header_trait_and_views():
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("hi")
    await chat.rename_thread(chat.thread_id, "Renamed")
    await settle()
    assert chat.thread.title == "Renamed"
    assert chat._thread["title"] == "Renamed"
    assert any(
        e["type"] == "thread.updated" and e["thread"]["title"] == "Renamed" for e in events(chat)
    )
    assert (await chat.threads())[0].title == "Renamed"


async def test_deleting_the_open_thread_empties_the_chat_everywhere():
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("hi")
    await chat.delete_thread(chat.thread_id)
    assert chat.thread_id is None and chat.items == []
    snapshot = [m for m in custom(chat) if m["type"] == "snapshot"][-1]
    assert snapshot["state"]["thread"] is None and snapshot["state"]["items"] == []
    assert await chat.threads() == []


async def test_retry_drops_the_later_items_in_the_kernel_views_and_store():
    server = ScriptedServer()
    chat = ChatKitWidget(server)
    await chat.send("one")
    first_answer = chat.items[1].id
    await chat.send("two")
    user_two, old_answer = chat.items[2].id, chat.items[3].id

    server.deltas = ["Again."]
    turn = await chat.retry_after_item(user_two)

    assert turn.text == "Again."
    assert [i.id for i in chat.items][:3] == [chat.items[0].id, first_answer, user_two]
    assert old_answer not in [i.id for i in chat.items]
    assert {"type": ITEMS_REMOVED, "item_ids": [old_answer]} in events(chat)
    stored = await server.store.load_thread_items(chat.thread_id, None, 50, "asc", {})
    assert old_answer not in [i.id for i in stored.data]
    assert [i.type for i in stored.data] == ["user_message", "assistant_message"] * 2


async def test_retry_from_a_view_defaults_to_the_last_user_message():
    server = ScriptedServer(fail_after=0)
    chat = ChatKitWidget(server)
    assert (await chat.send("hi")).error is not None
    server.fail_after = None
    from .conftest import view_says

    view_says(chat, {"type": "retry", "item_id": None})
    await settle(0.1)
    assert [i.type for i in chat.items] == ["user_message", "assistant_message"]


async def test_feedback_reaches_the_server_and_the_hook():
    class FeedbackServer(ScriptedServer):
        got: list[tuple[str, list[str], str]] = []

        async def add_feedback(self, thread_id, item_ids, feedback, context):  # type: ignore[override]
            self.got.append((thread_id, item_ids, feedback))

    server = FeedbackServer()
    chat = ChatKitWidget(server, feedback=True)
    hooked: list[Any] = []
    chat.on_feedback(lambda *args: hooked.append(args))
    await chat.send("hi")
    answer = chat.items[1].id

    await chat.send_feedback([answer], "positive")
    assert server.got == [(chat.thread_id, [answer], "positive")]
    assert hooked == [(chat.thread_id, [answer], "positive")]


async def test_a_long_thread_opens_on_its_newest_page_and_loads_older_pages():
    store = MemoryStore()
    thread_id = await seed_long_thread(store, 1000)
    chat = ChatKitWidget(ScriptedServer(store))
    await chat.open_thread(thread_id)

    assert len(chat.items) == 50
    assert chat.items[-1].id == "msg_0999" and chat.items[0].id == "msg_0950"
    assert await chat.load_older() == 50
    assert chat.items[0].id == "msg_0900" and len(chat.items) == 100
    snapshot = [m for m in custom(chat) if m["type"] == "snapshot"][-1]
    assert snapshot["state"]["has_more"] is True
    assert snapshot["state"]["items"][0]["id"] == "msg_0900"


async def test_initial_thread_latest_reopens_the_newest_thread(tmp_path):
    db = tmp_path / "chats.db"
    before = ChatKitWidget(ScriptedServer(SQLiteStore(db)))
    await before.send("remember this")

    # As after a kernel restart: a new widget on the same database.
    after = ChatKitWidget(ScriptedServer(SQLiteStore(db)), initial_thread="latest")
    await after.ready()
    assert after.thread_id == before.thread_id
    assert [i.id for i in after.items] == [i.id for i in before.items]


async def test_two_widgets_on_one_database_see_each_others_threads(tmp_path):
    db = tmp_path / "chats.db"
    a = ChatKitWidget(ScriptedServer(SQLiteStore(db)))
    b = ChatKitWidget(ScriptedServer(SQLiteStore(db)))
    await a.send("from a")
    await b.send("from b")
    assert {t.id for t in await a.threads()} == {a.thread_id, b.thread_id}
    assert {t.id for t in await b.threads()} == {a.thread_id, b.thread_id}


async def test_to_markdown_exports_the_conversation():
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("hi **there**")
    await chat.rename_thread(chat.thread_id, "Greetings")
    assert chat.to_markdown() == (
        "# Greetings\n\n**You:**\n\nhi **there**\n\n**Assistant:**\n\nHello there.\n"
    )


async def test_the_widget_has_a_markdown_representation_for_static_renderers():
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("hi")
    bundle = chat._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "Hello there." in data["text/markdown"]


async def test_view_requests_are_answered_with_replies():
    from .conftest import view_says

    chat = ChatKitWidget(ScriptedServer())
    await chat.send("hi")
    view_says(chat, {"type": "request", "request_id": "r1", "method": "list_threads", "params": {}})
    view_says(chat, {"type": "request", "request_id": "r2", "method": "nope", "params": {}})
    await settle()
    replies = {m["request_id"]: m for m in custom(chat) if m["type"] == "reply"}
    assert replies["r1"]["ok"] is True
    assert [t["id"] for t in replies["r1"]["result"]["data"]] == [chat.thread_id]
    assert replies["r2"]["ok"] is False and "unknown request method" in replies["r2"]["error"]


async def test_opening_a_thread_while_responding_is_refused_from_a_view():
    chat = ChatKitWidget(ScriptedServer(delay=0.01, deltas=["a"] * 20))
    from .conftest import view_says

    task = asyncio.create_task(chat.send("hi"))
    await asyncio.sleep(0.03)
    view_says(chat, {"type": "new_thread"})
    await task
    await settle()
    notices = [e for e in events(chat) if e["type"] == "notice"]
    assert notices and "while a response is running" in notices[0]["message"]
    assert chat.thread_id is not None
