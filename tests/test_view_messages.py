"""Malformed and oversized view messages: refused early, logged and echoed in brief."""

from __future__ import annotations

import logging

import pytest

from chatkit_widget import ChatKitWidget
from chatkit_widget.limits import MAX_ECHO_CHARS, MAX_VIEW_MESSAGE_CHARS, clip

from .conftest import ScriptedServer, comm_of, settle, view_says

HUGE = "x" * 10_000_000
# Room for the surrounding sentence and the size, but nothing like the payload.
BRIEF = 2 * MAX_ECHO_CHARS + 100


def notices(chat: ChatKitWidget) -> list[str]:
    return [
        e["message"]
        for m in comm_of(chat).custom()
        if m["type"] == "batch"
        for e in m["events"]
        if e["type"] == "notice"
    ]


def replies(chat: ChatKitWidget) -> list[dict]:
    return [m for m in comm_of(chat).custom() if m["type"] == "reply"]


def test_clip_keeps_short_values_and_cuts_long_ones_with_their_size():
    assert clip("short") == "short"
    cut = clip("y" * 5000)
    assert cut.startswith("y" * MAX_ECHO_CHARS) and "5,000 characters" in cut
    assert len(cut) < BRIEF


async def test_a_huge_malformed_message_is_logged_in_brief(caplog):
    chat = ChatKitWidget(ScriptedServer())
    with caplog.at_level(logging.ERROR, logger="chatkit_widget"):
        view_says(chat, {"type": "launch_missiles", "payload": HUGE})
        view_says(chat, {"type": "send", "text": 12, "junk": HUGE[:500_000]})
    await settle()
    assert len(caplog.records) == 2
    assert all(len(r.getMessage()) < 2 * BRIEF for r in caplog.records)
    assert (await chat.send("still there?")).text == "Hello there."


async def test_an_oversized_view_message_is_refused_with_a_clear_notice(caplog):
    server = ScriptedServer()
    chat = ChatKitWidget(server)
    with caplog.at_level(logging.ERROR, logger="chatkit_widget"):
        view_says(chat, {"type": "send", "text": "z" * (MAX_VIEW_MESSAGE_CHARS + 1)})
    await settle()
    assert server.seen == []  # never reached the server
    [notice] = notices(chat)
    assert "too large" in notice and f"{MAX_VIEW_MESSAGE_CHARS:,}" in notice
    assert len(notice) < BRIEF
    assert len(caplog.records) == 1 and len(caplog.records[0].getMessage()) < BRIEF
    assert chat.is_responding is False


async def test_a_huge_thread_id_is_not_echoed_whole_to_the_views(caplog):
    chat = ChatKitWidget(ScriptedServer())
    with caplog.at_level(logging.ERROR, logger="chatkit_widget"):
        view_says(chat, {"type": "open_thread", "thread_id": "t" * 900_000})
        await settle()
    [notice] = notices(chat)
    assert "Could not open thread" in notice and len(notice) < BRIEF
    assert all(len(r.getMessage()) < 2 * BRIEF for r in caplog.records)


async def test_a_failed_view_request_replies_in_brief():
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("hi")
    view_says(chat, {"type": "request", "request_id": "r1", "method": "m" * 500_000})
    view_says(
        chat,
        {
            "type": "request",
            "request_id": "r2",
            "method": "delete_thread",
            "params": {"thread_id": "q" * 500_000},
        },
    )
    view_says(chat, {"type": "retry", "item_id": "i" * 500_000})
    await settle()
    assert [r["request_id"] for r in replies(chat)] == ["r1", "r2"]
    assert replies(chat)[0]["ok"] is False and "unknown request method" in replies(chat)[0]["error"]
    assert any("not a user message" in n for n in notices(chat))
    for reply in replies(chat):
        assert len(str(reply.get("error", ""))) < BRIEF
    assert all(len(n) < BRIEF for n in notices(chat))


@pytest.mark.parametrize(
    "bad", [None, 17, [], "text", {"type": None}, {"type": "send", "text": ""}]
)
async def test_malformed_view_messages_of_every_shape_are_refused(bad, caplog):
    chat = ChatKitWidget(ScriptedServer())
    with caplog.at_level(logging.ERROR, logger="chatkit_widget"):
        view_says(chat, bad)  # type: ignore[arg-type]
    assert [r for r in caplog.records if "rejected" in r.getMessage()]
    assert (await chat.send("ok?")).text == "Hello there."
