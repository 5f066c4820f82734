"""The spine: the widget is the ChatKit client of an unchanged server, headless."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from chatkit.types import AssistantMessageItem, ErrorEvent, UserMessageItem

from chatkit_widget import ChatBusyError, ChatKitWidget, MemoryStore, SQLiteStore
from chatkit_widget.protocol import RESPONSE_END, RESPONSE_START

from .conftest import ScriptedServer, comm_of, settle, view_says

ROOT = Path(__file__).resolve().parent.parent


def batches(chat: ChatKitWidget) -> list[dict]:
    return [m for m in comm_of(chat).custom() if m["type"] == "batch"]


def streamed_events(chat: ChatKitWidget) -> list[dict]:
    return [e for b in batches(chat) for e in b["events"]]


async def test_send_runs_a_full_turn_and_returns_its_text_and_items():
    server = ScriptedServer()
    chat = ChatKitWidget(server)

    turn = await chat.send("hello")

    assert turn.text == "Hello there."
    assert [type(i) for i in turn.items] == [UserMessageItem, AssistantMessageItem]
    assert turn.error is None and not turn.cancelled
    assert chat.thread_id is not None and turn.thread_id == chat.thread_id
    assert server.seen == ["hello"]
    stored = await server.store.load_thread_items(chat.thread_id, None, 10, "asc", {})
    assert [i.id for i in stored.data] == [i.id for i in turn.items]
    assert chat.is_responding is False


async def test_second_message_goes_to_the_same_thread():
    chat = ChatKitWidget(ScriptedServer())
    first = await chat.send("one")
    second = await chat.send("two")
    assert second.thread_id == first.thread_id
    assert len(chat.items) == 4


async def test_views_receive_the_response_framed_by_start_and_end():
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("hello")
    types = [e["type"] for e in streamed_events(chat)]
    assert types[0] == RESPONSE_START and types[-1] == RESPONSE_END
    assert "thread.created" in types and "thread.item.done" in types


async def test_consecutive_text_deltas_are_coalesced_into_few_messages():
    deltas = ["abcd"] * 2000
    chat = ChatKitWidget(ScriptedServer(deltas=deltas))
    await chat.send("long please")

    delta_events = [
        e
        for e in streamed_events(chat)
        if e["type"] == "thread.item.updated" and e["update"]["type"].endswith("text_delta")
    ]
    assert "".join(e["update"]["delta"] for e in delta_events) == "abcd" * 2000
    assert len(delta_events) < 20  # 2,000 deltas streamed with no pause
    assert len(batches(chat)) < 20


async def test_batches_are_numbered_without_gaps():
    chat = ChatKitWidget(ScriptedServer(delay=0.002, deltas=["x"] * 40))
    await chat.send("hi")
    seqs = [b["seq"] for b in batches(chat)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) >= 2


async def test_a_view_that_saw_a_gap_gets_a_snapshot_that_catches_it_up():
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("hello")
    last_seq = batches(chat)[-1]["seq"]

    view_says(chat, {"type": "sync"})  # what a view sends when seq jumps
    await settle()

    snapshot = comm_of(chat).custom()[-1]
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == last_seq  # the next batch a view applies is last_seq + 1
    state = snapshot["state"]
    assert state["thread"]["id"] == chat.thread_id
    assert [i["type"] for i in state["items"]] == ["user_message", "assistant_message"]
    assert state["items"][1]["content"][0]["text"] == "Hello there."
    assert state["responding"] is False


async def test_a_late_view_joining_mid_stream_sees_the_partial_reply_then_the_rest():
    chat = ChatKitWidget(ScriptedServer(delay=0.01, deltas=["a"] * 30))
    task = asyncio.create_task(chat.send("hi"))
    await asyncio.sleep(0.12)

    view_says(chat, {"type": "sync"})
    await settle(0)
    snapshot = [m for m in comm_of(chat).custom() if m["type"] == "snapshot"][-1]
    partial = snapshot["state"]["items"][-1]["content"][0]["text"]
    assert snapshot["state"]["responding"] is True
    assert 0 < len(partial) < 30

    turn = await task
    later = [b for b in batches(chat) if b["seq"] > snapshot["seq"]]
    rest = "".join(
        e["update"]["delta"]
        for b in later
        for e in b["events"]
        if e["type"] == "thread.item.updated"
    )
    assert partial + rest == turn.text == "a" * 30


async def test_finished_items_live_in_the_transcript_trait():
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("hello")
    # What a reloaded page or a saved notebook reads: the widget's state.
    state = chat.get_state()
    assert [i["type"] for i in state["_transcript"]] == ["user_message", "assistant_message"]
    assert state["_thread"]["id"] == chat.thread_id
    await chat.send("again")
    assert len(chat.get_state("_transcript")["_transcript"]) == 4


async def test_cancel_stops_the_turn_and_keeps_the_partial_text():
    server = ScriptedServer(delay=0.01, deltas=["ab"] * 100)
    chat = ChatKitWidget(server)
    task = asyncio.create_task(chat.send("go"))
    await asyncio.sleep(0.1)
    assert chat.is_responding is True

    assert chat.cancel() is True
    turn = await task

    assert turn.cancelled is True
    assert 0 < len(turn.text) < 200
    assert chat.is_responding is False
    stored = await server.store.load_thread_items(chat.thread_id, None, 10, "asc", {})
    kept = [i for i in stored.data if isinstance(i, AssistantMessageItem)]
    assert kept and kept[0].content[0].text == turn.text
    assert streamed_events(chat)[-1]["type"] == RESPONSE_END


async def test_a_second_send_while_responding_is_refused():
    chat = ChatKitWidget(ScriptedServer(delay=0.01, deltas=["a"] * 10))
    task = asyncio.create_task(chat.send("first"))
    await asyncio.sleep(0.02)
    with pytest.raises(ChatBusyError, match="already running"):
        await chat.send("second")
    assert (await task).text == "a" * 10


async def test_a_raising_server_ends_the_turn_with_an_error_and_keeps_stored_items():
    server = ScriptedServer(fail_after=2)
    chat = ChatKitWidget(server)
    turn = await chat.send("hello")

    assert isinstance(turn.error, ErrorEvent)
    assert turn.error.allow_retry is True
    assert chat.is_responding is False
    assert "error" in [e["type"] for e in streamed_events(chat)]
    stored = await server.store.load_thread_items(chat.thread_id, None, 10, "asc", {})
    assert [type(i) for i in stored.data] == [UserMessageItem]
    # The half-streamed assistant message was never stored: it leaves the views too.
    assert [type(i) for i in chat.items] == [UserMessageItem]


async def test_an_error_outside_respond_is_reported_not_raised():
    class BrokenStore(MemoryStore):
        async def load_thread(self, thread_id, context):  # type: ignore[override]
            raise OSError("disk on fire")

    chat = ChatKitWidget(ScriptedServer(BrokenStore()))
    await chat.send("first")  # threads.create does not load the thread
    turn = await chat.send("second")
    assert turn.error is not None and "disk on fire" in (turn.error.message or "")
    assert chat.is_responding is False


async def test_the_chat_keeps_working_after_a_failed_turn():
    server = ScriptedServer(fail_after=1)
    chat = ChatKitWidget(server)
    assert (await chat.send("one")).error is not None
    server.fail_after = None
    assert (await chat.send("two")).text == "Hello there."


def test_passing_something_that_is_not_a_server_raises_type_error():
    with pytest.raises(TypeError, match="ChatKitServer instance"):
        ChatKitWidget(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="construct it with a store"):
        ChatKitWidget(ScriptedServer)  # type: ignore[arg-type]


async def test_malformed_view_messages_are_rejected_and_the_widget_keeps_working(caplog):
    chat = ChatKitWidget(ScriptedServer())
    with caplog.at_level(logging.ERROR, logger="chatkit_widget"):
        view_says(chat, {"type": "launch_missiles"})
        view_says(chat, {"type": "send"})  # no text
        view_says(chat, "not even a dict")
    assert len([r for r in caplog.records if "rejected" in r.message]) == 3
    assert (await chat.send("still there?")).text == "Hello there."


async def test_a_send_from_a_view_runs_a_turn():
    chat = ChatKitWidget(ScriptedServer())
    view_says(chat, {"type": "send", "text": "from the composer"})
    await settle(0.1)
    assert [i.type for i in chat.items] == ["user_message", "assistant_message"]
    assert chat.is_responding is False


async def test_view_messages_from_another_thread_are_handled_on_the_loop():
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("warm up")  # binds the loop, as a cell would
    worker = threading.Thread(
        target=view_says, args=(chat, {"type": "send", "text": "from a subshell"})
    )
    worker.start()
    worker.join()
    await settle(0.1)
    assert len(chat.items) == 4


async def test_other_work_runs_while_a_reply_streams():
    chat = ChatKitWidget(ScriptedServer(delay=0.01, deltas=["a"] * 20))
    task = asyncio.create_task(chat.send("hi"))
    ticks = 0
    while not task.done():
        ticks += 1
        await asyncio.sleep(0.01)
    assert ticks >= 10  # the loop was never blocked for the length of the stream


async def test_open_thread_loads_its_items_and_new_thread_starts_empty():
    store = MemoryStore()
    first = ChatKitWidget(ScriptedServer(store))
    await first.send("remember me")

    second = ChatKitWidget(ScriptedServer(store))
    await second.open_thread(first.thread_id)
    assert second.thread_id == first.thread_id
    assert [i.id for i in second.items] == [i.id for i in first.items]

    await second.new_thread()
    assert second.thread_id is None and second.items == []
    turn = await second.send("fresh")
    assert turn.thread_id not in (None, first.thread_id)


async def test_opening_an_unknown_thread_raises_key_error():
    chat = ChatKitWidget(ScriptedServer())
    with pytest.raises(KeyError, match="no thread"):
        await chat.open_thread("thr_missing")


def test_a_plain_script_can_drive_the_chat_with_asyncio_run(tmp_path):
    script = textwrap.dedent(
        """
        import asyncio, sys
        sys.path.insert(0, {root!r})
        from tests.conftest import ScriptedServer
        from chatkit_widget import ChatKitWidget

        async def main():
            chat = ChatKitWidget(ScriptedServer())
            turn = await chat.send("hello")
            print(turn.text)

        asyncio.run(main())
        """
    ).format(root=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Hello there."


def test_a_thread_persists_across_processes_with_sqlite(tmp_path):
    db = tmp_path / "chats.db"
    write = textwrap.dedent(
        """
        import asyncio, sys
        sys.path.insert(0, {root!r})
        from tests.conftest import ScriptedServer
        from chatkit_widget import ChatKitWidget, SQLiteStore

        async def main():
            chat = ChatKitWidget(ScriptedServer(SQLiteStore({db!r})))
            await chat.send("persist me")
            print(chat.thread_id)

        asyncio.run(main())
        """
    ).format(root=str(ROOT), db=str(db))
    out = subprocess.run(
        [sys.executable, "-c", write], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert out.returncode == 0, out.stderr
    thread_id = out.stdout.strip()

    async def read() -> list[str]:
        chat = ChatKitWidget(ScriptedServer(SQLiteStore(db)))
        await chat.open_thread(thread_id)
        return [i.type for i in chat.items]

    assert asyncio.run(read()) == ["user_message", "assistant_message"]
