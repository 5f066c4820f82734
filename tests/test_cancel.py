"""Cancel at every await point of a response: always a cancelled ``Turn``, start and end
hooks in pairs, the chat unlocked, and the kernel's items equal to the store's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from chatkit.server import ChatKitServer
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ClientEffectEvent,
    ClientToolCallItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
)

from chatkit_widget import ChatKitWidget, MemoryStore, SQLiteStore
from chatkit_widget.protocol import RESPONSE_END, RESPONSE_START

from .conftest import ScriptedServer, comm_of, settle

HIDDEN = ("sdk_hidden_context", "hidden_context_item")


class SlowStore(MemoryStore):
    """Every write waits a little: a cancel can land while the SDK awaits the store."""

    def __init__(self, pause: float = 0.05) -> None:
        super().__init__()
        self.pause = pause

    async def save_thread(self, thread, context):  # type: ignore[override]
        await asyncio.sleep(self.pause)
        await super().save_thread(thread, context)

    async def add_thread_item(self, thread_id, item, context):  # type: ignore[override]
        await asyncio.sleep(self.pause)
        await super().add_thread_item(thread_id, item, context)


class ToolServer(ChatKitServer[dict[str, Any]]):
    """Asks the client for ``lookup`` on every user message, then answers with its output;
    an effect first when ``effect`` is set."""

    def __init__(self, effect: str | None = None, delay: float = 0.0) -> None:
        super().__init__(MemoryStore())
        self.effect, self.delay = effect, delay

    async def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: Any
    ) -> AsyncIterator[ThreadStreamEvent]:
        now = datetime.now()
        if input_user_message is not None:
            if self.effect:
                yield ClientEffectEvent(name=self.effect, data={})
            yield ThreadItemDoneEvent(
                item=ClientToolCallItem(
                    id=self.store.generate_item_id("tool_call", thread, context),
                    thread_id=thread.id,
                    created_at=now,
                    call_id="c1",
                    name="lookup",
                    arguments={},
                )
            )
            return
        item = AssistantMessageItem(
            id=self.store.generate_item_id("message", thread, context),
            thread_id=thread.id,
            created_at=now,
            content=[],
        )
        yield ThreadItemAddedEvent(item=item)
        for _ in range(50):
            await asyncio.sleep(self.delay)
            yield ThreadItemUpdatedEvent(
                item_id=item.id,
                update=AssistantMessageContentPartTextDelta(content_index=0, delta="ok "),
            )
        item.content = [AssistantMessageContent(text="ok " * 50)]
        yield ThreadItemDoneEvent(item=item)


def watch(chat: ChatKitWidget) -> list[str]:
    fired: list[str] = []
    chat.on_response_start(lambda: fired.append("start"))
    chat.on_response_end(lambda: fired.append("end"))
    return fired


async def assert_consistent(chat: ChatKitWidget) -> None:
    """Unlocked, views told start and end in pairs, kernel items == stored items."""
    assert chat.is_responding is False and chat._client.is_responding is False
    batches = [m for m in comm_of(chat).custom() if m["type"] == "batch"]
    events = [e["type"] for m in batches for e in m["events"]]
    framing = [t for t in events if t in (RESPONSE_START, RESPONSE_END)]
    assert framing == [RESPONSE_START, RESPONSE_END] * (len(framing) // 2) and framing
    if chat.thread_id is not None:
        page = await chat.server.store.load_thread_items(chat.thread_id, None, 100, "asc", {})
        stored = [(i.id, getattr(i, "status", None)) for i in page.data if i.type not in HIDDEN]
        assert [(i.id, getattr(i, "status", None)) for i in chat.items] == stored
        assert not [i for i in chat.items if getattr(i, "status", None) == "pending"]


async def cancel_when(chat: ChatKitWidget, ready: Callable[[], bool], text: str = "go") -> Any:
    task = asyncio.create_task(chat.send(text))
    # Poll every loop step (the cancel point may last one step), bounded by time rather
    # than a step count: a loaded machine runs many empty steps before the first delta.
    deadline = asyncio.get_running_loop().time() + 10
    while not ready():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the cancel point was never reached")
        await asyncio.sleep(0)
    assert chat.cancel() is True
    return await asyncio.wait_for(task, 10)


async def test_cancel_one_loop_step_after_send_returns_a_cancelled_turn():
    server = ScriptedServer()
    chat = ChatKitWidget(server)
    fired = watch(chat)
    task = asyncio.create_task(chat.send("go"))
    await asyncio.sleep(0)  # send() has started the response; it has not run yet
    assert chat.is_responding is True
    assert chat.cancel() is True
    turn = await asyncio.wait_for(task, 5)
    assert turn.cancelled is True and turn.items == []
    assert fired == ["start", "end"]
    assert server.seen == []
    await assert_consistent(chat)
    assert (await chat.send("again")).text == "Hello there."
    assert fired == ["start", "end", "start", "end"]


@pytest.mark.parametrize("steps", range(0, 12))
async def test_cancel_at_each_early_loop_step_returns_a_cancelled_turn(steps: int):
    chat = ChatKitWidget(ScriptedServer(SlowStore(0.0), delay=0.001))
    fired = watch(chat)
    task = asyncio.create_task(chat.send("go"))
    for _ in range(steps + 1):
        await asyncio.sleep(0)
    cancelled = chat.cancel()
    turn = await asyncio.wait_for(task, 5)
    assert turn.cancelled is cancelled
    assert fired == ["start", "end"]
    await assert_consistent(chat)
    store = chat.server.store
    for thread in (await store.load_threads(20, None, "desc", {})).data:  # none left empty
        assert (await store.load_thread_items(thread.id, None, 1, "asc", {})).data
    assert (await chat.send("again")).ok


async def test_cancel_while_the_sdk_awaits_the_store_before_the_first_event():
    store = SlowStore(0.2)
    chat = ChatKitWidget(ScriptedServer(store))
    await chat.send("first")  # a thread exists: the next turn starts with store writes
    fired = watch(chat)
    turn = await cancel_when(chat, lambda: chat.is_responding)
    await asyncio.sleep(0.05)
    assert turn.cancelled is True
    assert fired == ["start", "end"]
    await settle(0.5)
    await assert_consistent(chat)
    assert (await chat.send("again")).ok


async def test_cancel_mid_stream_keeps_the_partial_text():
    chat = ChatKitWidget(ScriptedServer(delay=0.005, deltas=["ab"] * 200))
    fired = watch(chat)
    turn = await cancel_when(
        chat,
        lambda: (
            "ab"
            in "".join(
                c.text for i in chat.items if isinstance(i, AssistantMessageItem) for c in i.content
            )
        ),
    )
    assert turn.cancelled is True and 0 < len(turn.text) < 400
    assert fired == ["start", "end"]
    await assert_consistent(chat)


async def test_cancel_during_a_client_tool_closes_the_pending_call():
    chat = ChatKitWidget(ToolServer())
    started = asyncio.Event()

    @chat.client_tool("lookup")
    async def lookup() -> dict:
        started.set()
        await asyncio.sleep(30)
        return {"never": True}

    fired = watch(chat)
    turn = await cancel_when(chat, started.is_set)
    assert turn.cancelled is True
    assert fired == ["start", "end"]
    [call] = [i for i in chat.items if isinstance(i, ClientToolCallItem)]
    assert call.status == "completed" and "cancel" in str(call.output)
    await assert_consistent(chat)
    # The next message: the SDK finds nothing pending to delete behind our back.
    started.clear()
    lookup_answers = chat._dispatcher.tools["lookup"]
    assert lookup_answers is not None
    turn = await cancel_when(chat, started.is_set, "again")
    await assert_consistent(chat)


async def test_the_kernel_follows_the_sdk_deleting_a_pending_call_silently():
    # A pending call left in the store (e.g. by another client, or an older version): the
    # SDK deletes it without an event when the next client tool output arrives; the chat
    # and its views must follow.
    chat = ChatKitWidget(ToolServer())
    chat.client_tool("lookup")(lambda: {"ok": 1})
    await chat.send("hi")
    thread_id = chat.thread_id
    assert thread_id is not None
    dangling = ClientToolCallItem(
        id="tc_dangling",
        thread_id=thread_id,
        created_at=datetime.now(),
        call_id="x",
        name="lookup",
        arguments={},
    )
    await chat.server.store.add_thread_item(thread_id, dangling, {})
    await chat.open_thread(thread_id)
    assert "tc_dangling" in [i.id for i in chat.items]
    assert (await chat.send("next")).ok
    assert "tc_dangling" not in [i.id for i in chat.items]
    removed = [
        e
        for m in comm_of(chat).custom()
        if m["type"] == "batch"
        for e in m["events"]
        if e["type"] == "widget.items_removed"
    ]
    assert any("tc_dangling" in e["item_ids"] for e in removed)
    await assert_consistent(chat)


async def test_cancel_during_an_async_effect_handler():
    chat = ChatKitWidget(ToolServer(effect="notify", delay=0.01))
    running = asyncio.Event()
    finished: list[bool] = []

    @chat.on_effect("notify")
    async def notify(data: dict) -> None:
        running.set()
        await asyncio.sleep(0.05)
        finished.append(True)

    @chat.client_tool("lookup")
    def lookup() -> dict:
        return {"ok": 1}

    fired = watch(chat)
    turn = await cancel_when(chat, running.is_set)
    assert turn.cancelled is True
    assert fired == ["start", "end"]
    await settle(0.2)
    assert finished == [True]  # the handler is not the response: it runs to its end
    await assert_consistent(chat)


async def test_an_effect_handler_that_cancels_the_response():
    chat = ChatKitWidget(ToolServer(effect="stop"))
    chat.on_effect("stop")(lambda data: chat.cancel())
    fired = watch(chat)
    turn = await asyncio.wait_for(chat.send("go"), 5)
    assert turn.cancelled is True
    assert fired == ["start", "end"]
    await assert_consistent(chat)


async def test_a_response_start_hook_that_cancels():
    chat = ChatKitWidget(ScriptedServer())
    fired = watch(chat)
    chat.on_response_start(lambda: chat.cancel())
    turn = await asyncio.wait_for(chat.send("go"), 5)
    assert turn.cancelled is True
    assert fired == ["start", "end"]
    await assert_consistent(chat)


async def test_interrupting_the_awaiting_cell_cancels_the_response_and_unlocks():
    chat = ChatKitWidget(ScriptedServer(delay=0.01, deltas=["x"] * 100))
    fired = watch(chat)
    waiter = asyncio.create_task(chat.send("go"))
    await asyncio.sleep(0)
    waiter.cancel()  # Kernel -> Interrupt, before the response even ran
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await settle(0.1)
    assert fired == ["start", "end"]
    await assert_consistent(chat)


async def test_cancel_twice_is_harmless():
    chat = ChatKitWidget(ScriptedServer(SlowStore(0.05), delay=0.01, deltas=["x"] * 50))
    fired = watch(chat)
    task = asyncio.create_task(chat.send("go"))
    await asyncio.sleep(0.03)
    assert chat.cancel() is True
    chat.cancel()
    await asyncio.sleep(0.01)
    chat.cancel()
    turn = await asyncio.wait_for(task, 5)
    assert turn.cancelled is True and fired == ["start", "end"]
    await settle(0.3)
    await assert_consistent(chat)


async def test_cancel_right_after_retry_keeps_the_items_the_server_kept():
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("one")
    await chat.send("two")
    before = [i.id for i in chat.items]
    task = asyncio.create_task(chat.retry_after_item(chat.items[0].id))
    await asyncio.sleep(0)
    assert chat.cancel() is True
    turn = await asyncio.wait_for(task, 5)
    assert turn.cancelled is True
    assert [i.id for i in chat.items] == before  # the server never deleted them
    await assert_consistent(chat)


async def test_cancel_after_the_tool_answered_but_before_the_server_stored_it():
    class SlowLoads(MemoryStore):
        async def load_thread(self, thread_id, context):  # type: ignore[override]
            await asyncio.sleep(0.2)  # the SDK's first step on a client tool output
            return await super().load_thread(thread_id, context)

    server = ToolServer()
    server.store = SlowLoads()
    chat = ChatKitWidget(server)
    chat.client_tool("lookup")(lambda: {"answer": 42})
    fired = watch(chat)

    def answered() -> bool:
        return any(
            isinstance(i, ClientToolCallItem) and i.status == "completed" for i in chat.items
        )

    turn = await cancel_when(chat, answered)
    assert turn.cancelled is True and fired == ["start", "end"]
    [call] = [i for i in chat.items if isinstance(i, ClientToolCallItem)]
    assert call.output == {"answer": 42}  # the answer the tool gave is what is kept
    await assert_consistent(chat)


class NetworkedSQLiteStore(SQLiteStore):
    """A real SQLiteStore that awaits as a networked database does: the commit's round
    trip after a thread is saved, and the round trip before an item is written."""

    def __init__(self, path: Path, pause: float = 0.05) -> None:
        super().__init__(path)
        self.pause = pause
        self.committing_thread = False

    async def save_thread(self, thread, context):  # type: ignore[override]
        await super().save_thread(thread, context)
        self.committing_thread = True
        try:
            await asyncio.sleep(self.pause)
        finally:
            self.committing_thread = False

    async def add_thread_item(self, thread_id, item, context):  # type: ignore[override]
        await asyncio.sleep(self.pause)
        await super().add_thread_item(thread_id, item, context)


async def stored_threads(store: SQLiteStore) -> list[str]:
    return [t.id for t in (await store.load_threads(20, None, "desc", {})).data]


async def assert_no_thread_left_and_the_chat_is_new(
    chat: ChatKitWidget, store: NetworkedSQLiteStore, turn: Any, changes: list[str | None]
) -> None:
    assert turn.cancelled is True and turn.thread_id is None
    assert chat.thread_id is None and chat.items == []
    assert await stored_threads(store) == []  # nothing empty in the history
    assert await chat.threads() == []
    assert changes in ([], [changes[0], None])  # told of the thread only if it lasted
    await assert_consistent(chat)
    # The next message starts a thread as in a new chat.
    assert (await chat.send("again")).ok
    [thread_id] = await stored_threads(store)
    page = await store.load_thread_items(thread_id, None, 10, "asc", {})
    assert [i.type for i in page.data] == ["user_message", "assistant_message"]


async def test_cancel_while_a_new_thread_is_saved_leaves_no_empty_thread(tmp_path: Path):
    store = NetworkedSQLiteStore(tmp_path / "chats.db")
    chat = ChatKitWidget(ScriptedServer(store))
    changes: list[str | None] = []
    chat.on_thread_change(changes.append)
    fired = watch(chat)
    # The thread is in the file; the chat has not heard of it yet.
    turn = await cancel_when(chat, lambda: store.committing_thread)
    assert fired == ["start", "end"]
    await assert_no_thread_left_and_the_chat_is_new(chat, store, turn, changes)


async def test_cancel_after_a_new_thread_is_created_but_before_the_message_is_stored(
    tmp_path: Path,
):
    store = NetworkedSQLiteStore(tmp_path / "chats.db")
    chat = ChatKitWidget(ScriptedServer(store))
    changes: list[str | None] = []
    chat.on_thread_change(changes.append)
    turn = await cancel_when(chat, lambda: chat.thread_id is not None)
    assert changes[:1] and changes[0] is not None  # the chat had shown the new thread
    await assert_no_thread_left_and_the_chat_is_new(chat, store, turn, changes)


async def test_cancel_after_the_first_message_is_stored_keeps_the_new_thread(tmp_path: Path):
    store = NetworkedSQLiteStore(tmp_path / "chats.db")
    chat = ChatKitWidget(ScriptedServer(store, delay=0.05, deltas=["ab"] * 100))
    turn = await cancel_when(
        chat, lambda: any(isinstance(i, UserMessageItem) for i in chat.items), "keep me"
    )
    assert turn.cancelled is True and chat.thread_id is not None
    assert await stored_threads(store) == [chat.thread_id]
    await assert_consistent(chat)
    assert [i.type for i in chat.items][:1] == ["user_message"]


class FailingFirstItemStore(NetworkedSQLiteStore):
    """A store whose first item write fails (a dropped connection, say)."""

    failed = False

    async def add_thread_item(self, thread_id, item, context):  # type: ignore[override]
        if not self.failed:
            self.failed = True
            raise ConnectionError("the database went away")
        await super().add_thread_item(thread_id, item, context)


async def test_a_new_chat_that_fails_before_its_message_is_stored_leaves_no_empty_thread(
    tmp_path: Path,
):
    store = FailingFirstItemStore(tmp_path / "chats.db", pause=0)
    chat = ChatKitWidget(ScriptedServer(store))
    turn = await chat.send("hello")
    assert turn.error is not None and "the database went away" in (turn.error.message or "")
    assert chat.thread_id is None and await stored_threads(store) == []
    errors = [
        e for m in comm_of(chat).custom() if m["type"] == "snapshot" for e in [m["state"]["error"]]
    ]
    # The view still shows what went wrong, without a Retry (nothing is left to retry).
    assert errors and errors[-1] is not None and errors[-1]["allow_retry"] is False
    assert (await chat.send("again")).ok
    assert len(await stored_threads(store)) == 1
