"""Widget actions in the kernel: ``send_action``, sync actions, client handlers, and actions
sent by a view — against a real ChatKitServer that answers with widgets."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from chatkit.actions import Action
from chatkit.types import WidgetItem

from chatkit_widget import ActionFailed, ChatKitWidget, NoThreadError, SQLiteStore

from .conftest import comm_of, settle, view_says
from .ui.action_servers import WidgetServer


def widget_item(chat: ChatKitWidget) -> WidgetItem:
    return next(item for item in chat.items if isinstance(item, WidgetItem))


def widget_text(item: WidgetItem) -> str:
    return str(item.widget.model_dump(mode="json"))


def view_events(chat: ChatKitWidget) -> list[dict[str, Any]]:
    return [e for m in comm_of(chat).custom() if m["type"] == "batch" for e in m["events"]]


def replies(chat: ChatKitWidget) -> list[dict[str, Any]]:
    return [m for m in comm_of(chat).custom() if m["type"] == "reply"]


def notices(chat: ChatKitWidget) -> list[str]:
    return [e["message"] for e in view_events(chat) if e["type"] == "notice"]


async def until(condition: Any, timeout: float = 5.0) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), timeout)


async def chat_with_card(server: WidgetServer | None = None) -> tuple[ChatKitWidget, WidgetServer]:
    server = server or WidgetServer()
    chat = ChatKitWidget(server)
    await chat.send("cats")
    return chat, server


# -- to the server ---------------------------------------------------------------------


async def test_send_action_runs_server_action_and_the_replaced_card_shows_everywhere():
    chat, server = await chat_with_card()
    card = widget_item(chat)
    lifecycle: list[str] = []
    chat.on_response_start(lambda: lifecycle.append("start"))
    chat.on_response_end(lambda: lifecycle.append("end"))

    turn = await chat.send_action("cats.pick", {"name": "Luna"}, item_id=card.id)

    assert server.actions == [("action", "cats.pick", {"name": "Luna"}, card.id)]
    assert turn.ok and turn.text == "You picked Luna."
    assert lifecycle == ["start", "end"] and chat.is_responding is False
    # The card was replaced in place: same id, same position, new content.
    replaced = widget_item(chat)
    assert replaced.id == card.id and "You picked Luna." in widget_text(replaced)
    assert [i.id for i in chat.items].index(card.id) == 1
    stored = await server.store.load_item(chat.thread_id, card.id, {})
    assert "You picked Luna." in widget_text(stored)  # type: ignore[arg-type]
    replaced_events = [e for e in view_events(chat) if e["type"] == "thread.item.replaced"]
    assert replaced_events[-1]["item"]["id"] == card.id
    assert "You picked Luna." in str(replaced_events[-1]["item"]["widget"])


async def test_an_action_without_a_sender_reaches_the_server_with_none():
    chat, server = await chat_with_card()
    turn = await chat.send_action("cats.pick", {"name": "Milo"})
    assert server.actions == [("action", "cats.pick", {"name": "Milo"}, None)]
    assert turn.text == "You picked Milo."


async def test_send_action_without_a_thread_is_a_clear_error():
    chat = ChatKitWidget(WidgetServer())
    with pytest.raises(NoThreadError, match="no thread is open"):
        await chat.send_action("cats.pick")
    with pytest.raises(NoThreadError, match="no thread is open"):
        await chat.send_action("cats.like", streaming=False)


async def test_send_action_with_an_unknown_item_is_a_clear_error():
    chat, server = await chat_with_card()
    with pytest.raises(ValueError, match="not an item of the active thread"):
        await chat.send_action("cats.pick", item_id="nope")
    assert server.actions == []


async def test_a_sync_action_replaces_the_card_in_place_while_a_response_streams():
    server = WidgetServer(reply_delay=1.0)
    chat, _ = await chat_with_card(server)
    card = widget_item(chat)
    running = asyncio.ensure_future(chat.send("more cats"))
    await until(lambda: chat.is_responding)

    turn = await chat.send_action("cats.like", {"likes": 0}, item_id=card.id, streaming=False)

    assert chat.is_responding  # the other response still runs
    assert server.actions == [("sync_action", "cats.like", {"likes": 0}, card.id)]
    assert [i.id for i in turn.items] == [card.id]
    assert "Like (1)" in widget_text(widget_item(chat))
    await settle()
    replaced = [e for e in view_events(chat) if e["type"] == "thread.item.replaced"]
    assert replaced and "Like (1)" in str(replaced[-1]["item"]["widget"])
    assert (await running).ok


async def test_a_streaming_action_while_a_response_runs_is_refused():
    server = WidgetServer(reply_delay=1.0)
    chat, _ = await chat_with_card(server)
    running = asyncio.ensure_future(chat.send("more cats"))
    await until(lambda: chat.is_responding)
    with pytest.raises(RuntimeError, match="already running"):
        await chat.send_action("cats.pick", {"name": "Tom"})
    await running


async def test_actions_work_on_a_thread_reopened_after_a_kernel_restart(tmp_path: Path):
    db = tmp_path / "chats.db"
    first, _ = await chat_with_card(WidgetServer(SQLiteStore(db)))
    card_id, thread_id = widget_item(first).id, first.thread_id

    # A new kernel: new store object, new server, new widget on the same database.
    server = WidgetServer(SQLiteStore(db))
    chat = ChatKitWidget(server, initial_thread="latest")
    await chat.ready()
    assert chat.thread_id == thread_id

    await chat.send_action("cats.pick", {"name": "Tom"}, item_id=card_id)
    await chat.send_action("cats.like", {"likes": 0}, item_id=card_id, streaming=False)

    assert [a[0:2] + (a[3],) for a in server.actions] == [
        ("action", "cats.pick", card_id),
        ("sync_action", "cats.like", card_id),
    ]


# -- client handlers -------------------------------------------------------------------


async def test_a_client_action_from_a_view_runs_its_python_handler_with_the_sender():
    chat, server = await chat_with_card()
    card = widget_item(chat)
    got: list[tuple[Action[str, Any], WidgetItem | None]] = []

    @chat.on_action("cats.select")
    def _(action: Action[str, Any], sender: WidgetItem | None) -> None:
        got.append((action, sender))

    view_says(
        chat,
        {
            "type": "action",
            "action": {"type": "cats.select", "payload": {"name": "Luna"}, "handler": "client"},
            "item_id": card.id,
            "request_id": "r1",
        },
    )
    await until(lambda: replies(chat))

    assert [(a.type, a.payload, s.id if s else None) for a, s in got] == [
        ("cats.select", {"name": "Luna"}, card.id)
    ]
    assert replies(chat) == [{"type": "reply", "request_id": "r1", "ok": True}]
    assert server.actions == []  # client actions never reach the server by themselves


async def test_an_async_client_handler_may_chain_to_the_server_and_the_reply_waits_for_it():
    chat, server = await chat_with_card()
    card = widget_item(chat)

    @chat.on_action("cats.select")
    async def _(action: Action[str, Any], sender: WidgetItem | None) -> None:
        await chat.send_action("cats.pick", action.payload, item_id=sender.id if sender else None)

    view_says(
        chat,
        {
            "type": "action",
            "action": {"type": "cats.select", "payload": {"name": "Milo"}, "handler": "client"},
            "item_id": card.id,
            "request_id": "r2",
        },
    )
    await until(lambda: replies(chat))

    assert server.actions == [("action", "cats.pick", {"name": "Milo"}, card.id)]
    messages = comm_of(chat).custom()
    reply_at = next(n for n, m in enumerate(messages) if m["type"] == "reply")
    end_at = max(
        n
        for n, m in enumerate(messages)
        if m["type"] == "batch" and any(e["type"] == "widget.response_end" for e in m["events"])
    )
    assert end_at < reply_at  # the view's loading state ends after the response


async def test_a_client_action_without_a_handler_warns_once_per_type_and_tells_the_view(
    caplog: pytest.LogCaptureFixture,
):
    chat, _ = await chat_with_card()
    for n in range(2):
        view_says(
            chat,
            {
                "type": "action",
                "action": {"type": "cats.unknown", "handler": "client"},
                "request_id": f"r{n}",
            },
        )
    await until(lambda: len(replies(chat)) == 2)

    warnings = [r for r in caplog.records if "cats.unknown" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "@chat.on_action('cats.unknown')" in warnings[0].getMessage()
    assert notices(chat) == ["Nothing handles the action 'cats.unknown'."] * 2
    assert all(r["ok"] is False for r in replies(chat))


async def test_a_raising_client_handler_is_logged_and_reported_and_the_view_unlocks(
    caplog: pytest.LogCaptureFixture,
):
    chat, _ = await chat_with_card()

    @chat.on_action("cats.select")
    def _(action: Action[str, Any], sender: WidgetItem | None) -> None:
        raise KeyError("no such cat")

    view_says(
        chat,
        {
            "type": "action",
            "action": {"type": "cats.select", "handler": "client"},
            "request_id": "r",
        },
    )
    await until(lambda: replies(chat))

    failure = next(r for r in caplog.records if "cats.select" in r.getMessage())
    assert failure.exc_info is not None and failure.levelno == logging.ERROR
    assert notices(chat) == ["The handler for action 'cats.select' failed: KeyError: 'no such cat'"]
    assert replies(chat)[0]["ok"] is False
    # Still usable afterwards.
    assert (await chat.send("again")).ok


# -- server actions sent by a view -----------------------------------------------------


async def test_a_server_action_from_a_view_replies_after_its_response_ended():
    chat, server = await chat_with_card()
    card = widget_item(chat)
    view_says(
        chat,
        {
            "type": "action",
            "action": {"type": "cats.pick", "payload": {"name": "Tom"}, "loadingBehavior": "self"},
            "item_id": card.id,
            "request_id": "r",
        },
    )
    await until(lambda: replies(chat))
    assert server.actions == [("action", "cats.pick", {"name": "Tom"}, card.id)]
    assert replies(chat) == [{"type": "reply", "request_id": "r", "ok": True}]
    assert "You picked Tom." in widget_text(widget_item(chat))
    assert chat.is_responding is False


async def test_a_sync_action_from_a_view_during_a_stream_replies_at_once():
    server = WidgetServer(reply_delay=1.0)
    chat, _ = await chat_with_card(server)
    card = widget_item(chat)
    running = asyncio.ensure_future(chat.send("more"))
    await until(lambda: chat.is_responding)
    view_says(
        chat,
        {
            "type": "action",
            "action": {"type": "cats.like", "payload": {"likes": 4}, "streaming": False},
            "item_id": card.id,
            "request_id": "r",
        },
    )
    await until(lambda: replies(chat))
    assert chat.is_responding and replies(chat)[0]["ok"] is True
    assert "Like (5)" in widget_text(widget_item(chat))
    await running


async def test_a_server_action_from_a_view_while_busy_is_reported_and_replied():
    server = WidgetServer(reply_delay=1.0)
    chat, _ = await chat_with_card(server)
    running = asyncio.ensure_future(chat.send("more"))
    await until(lambda: chat.is_responding)
    view_says(chat, {"type": "action", "action": {"type": "cats.pick"}, "request_id": "r"})
    await until(lambda: replies(chat))
    assert replies(chat)[0]["ok"] is False
    assert any("a response is running. Wait for it" in n for n in notices(chat))
    await running
    assert server.actions == []


async def test_a_view_action_without_a_thread_is_reported_and_replied():
    chat = ChatKitWidget(WidgetServer())
    view_says(chat, {"type": "action", "action": {"type": "cats.pick"}, "request_id": "r"})
    await until(lambda: replies(chat))
    assert replies(chat)[0]["ok"] is False
    assert any("no thread is open" in n for n in notices(chat))


async def test_a_malformed_action_message_still_gets_a_reply():
    chat = ChatKitWidget(WidgetServer())
    view_says(chat, {"type": "action", "action": "click!", "request_id": "r"})
    await until(lambda: replies(chat))
    assert replies(chat)[0] == {
        "type": "reply",
        "request_id": "r",
        "ok": False,
        "error": "malformed message",
    }


# -- headless clicks -------------------------------------------------------------------


async def test_perform_action_routes_like_a_click_without_a_view():
    chat, server = await chat_with_card()
    card = widget_item(chat)
    seen: list[str] = []
    chat.on_action("cats.select")(lambda action, sender: seen.append(action.payload["name"]))

    await chat.perform_action(
        {"type": "cats.select", "payload": {"name": "Luna"}, "handler": "client"}, item_id=card.id
    )
    await chat.perform_action(
        {"type": "cats.like", "payload": {"likes": 0}, "streaming": False}, item_id=card.id
    )
    await chat.perform_action({"type": "cats.pick", "payload": {"name": "Tom"}}, item_id=card.id)

    assert seen == ["Luna"]
    assert [a[:2] for a in server.actions] == [
        ("sync_action", "cats.like"),
        ("action", "cats.pick"),
    ]
    assert "You picked Tom." in widget_text(widget_item(chat))


async def test_perform_action_raises_where_a_view_shows_a_notice():
    chat, _ = await chat_with_card()
    with pytest.raises(ActionFailed, match="Nothing handles the action 'cats.nope'"):
        await chat.perform_action({"type": "cats.nope", "handler": "client"})


async def test_an_oversized_action_message_is_refused_but_still_replied():
    chat = ChatKitWidget(WidgetServer())
    huge = {"type": "cats.save", "payload": {"notes": "x" * 1_100_000}}
    view_says(chat, {"type": "action", "action": huge, "request_id": "r"})
    await until(lambda: replies(chat))
    assert replies(chat)[0] == {
        "type": "reply",
        "request_id": "r",
        "ok": False,
        "error": "message too large",
    }


# -- an action's response is a response like any other ---------------------------------


class EffectfulServer(WidgetServer):
    """Its action sends a client effect first, then answers as usual."""

    async def action(self, thread, action, sender, context):  # type: ignore[override]
        from chatkit.types import ClientEffectEvent

        yield ClientEffectEvent(name="highlight", data={"name": action.payload["name"]})
        async for event in super().action(thread, action, sender, context):
            yield event


async def test_an_action_response_dispatches_effects_to_python():
    chat, _ = await chat_with_card(EffectfulServer())
    highlighted: list[str] = []
    chat.on_effect("highlight")(lambda data: highlighted.append(data["name"]))
    turn = await chat.send_action("cats.pick", {"name": "Luna"}, item_id=widget_item(chat).id)
    assert highlighted == ["Luna"]
    assert [e.name for e in turn.effects] == ["highlight"]


async def test_stop_during_an_action_response_unlocks_and_replies():
    chat, server = await chat_with_card(WidgetServer(action_delay=5))
    card = widget_item(chat)
    view_says(
        chat,
        {
            "type": "action",
            "action": {"type": "cats.pick", "payload": {"name": "Tom"}},
            "item_id": card.id,
            "request_id": "r",
        },
    )
    await until(lambda: server.actions)
    assert chat.is_responding  # composer locked, Stop offered, like any response
    view_says(chat, {"type": "cancel"})
    await until(lambda: replies(chat))
    assert chat.is_responding is False
    assert replies(chat) == [{"type": "reply", "request_id": "r", "ok": True}]
    assert "Pick a cat name" in widget_text(widget_item(chat))  # the card was not replaced


class FailingActionServer(WidgetServer):
    """An action the server does not handle: ChatKitServer turns the raise into a
    retryable error event."""

    async def action(self, thread, action, sender, context):  # type: ignore[override]
        if action.type == "cats.follow":
            self.actions.append(("action", action.type, action.payload, sender and sender.id))
            raise NotImplementedError("no follow here")
        async for event in super().action(thread, action, sender, context):
            yield event


async def test_retry_after_a_failed_action_resends_the_action_and_keeps_the_answer():
    chat, server = await chat_with_card(FailingActionServer())
    card = widget_item(chat)
    before = [i.id for i in chat.items]
    click = {"type": "cats.follow", "payload": {"name": "Tom"}}
    view_says(chat, {"type": "action", "action": click, "item_id": card.id, "request_id": "r"})
    await until(lambda: replies(chat))
    errors = [e for e in view_events(chat) if e["type"] == "error"]
    assert errors and errors[-1]["allow_retry"] is True

    # The error banner's Retry (no item id) retries the click, not the last message.
    view_says(chat, {"type": "retry", "item_id": None})
    await until(lambda: len(server.actions) == 2 and not chat.is_responding)
    await settle()
    assert server.actions == [("action", "cats.follow", {"name": "Tom"}, card.id)] * 2
    assert [i.id for i in chat.items] == before  # the answer was not deleted and rerun
    assert len([e for e in view_events(chat) if e["type"] == "error"]) == 2
