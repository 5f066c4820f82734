"""Structured input in the kernel: ``chat.answer`` and the view's ``answer`` message, against a
real ChatKitServer that asks questions with a pending ``StructuredInputItem``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from chatkit.types import StructuredInputItem

from chatkit_widget import ChatKitWidget

from .conftest import comm_of, view_says
from .ui.action_servers import WidgetServer


def questions(chat: ChatKitWidget) -> StructuredInputItem:
    return next(item for item in chat.items if isinstance(item, StructuredInputItem))


def answers_of(item: StructuredInputItem) -> dict[str, Any]:
    return {
        q.id: ("skipped" if q.answer is None or q.answer.skipped else q.answer.values)
        for q in item.inputs
    }


def replies(chat: ChatKitWidget) -> list[dict[str, Any]]:
    return [m for m in comm_of(chat).custom() if m["type"] == "reply"]


async def asked() -> tuple[ChatKitWidget, WidgetServer]:
    server = WidgetServer()
    chat = ChatKitWidget(server)
    await chat.send("questions")
    assert questions(chat).status == "pending"
    return chat, server


async def until(condition: Any, timeout: float = 5.0) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), timeout)


async def test_answer_replaces_the_item_and_the_server_responds():
    chat, server = await asked()
    item_id = questions(chat).id

    turn = await chat.answer(
        item_id, {"color": "Ginger", "toys": ["Ball", "Feather"], "name": "Biscuit"}
    )

    answered = questions(chat)
    assert answered.id == item_id and answered.status == "answered"
    assert answers_of(answered) == {
        "color": ["Ginger"],
        "toys": ["Ball", "Feather"],
        "name": ["Biscuit"],
    }
    assert turn.text == "Thanks (color: Ginger; toys: Ball, Feather; name: Biscuit)."
    stored = await server.store.load_item(chat.thread_id, item_id, {})
    assert isinstance(stored, StructuredInputItem) and stored.status == "answered"


async def test_unanswered_questions_are_recorded_as_skipped():
    chat, _ = await asked()
    turn = await chat.answer(questions(chat).id, {"name": "Biscuit"})
    assert answers_of(questions(chat)) == {
        "color": "skipped",
        "toys": "skipped",
        "name": ["Biscuit"],
    }
    assert turn.ok


async def test_skip_marks_every_question_skipped():
    chat, _ = await asked()
    turn = await chat.answer(questions(chat).id, skip=True)
    item = questions(chat)
    assert item.status == "skipped"
    assert set(answers_of(item).values()) == {"skipped"}
    assert turn.text.startswith("Thanks (color: skipped")


async def test_bad_answers_are_clear_errors_and_send_nothing():
    chat, server = await asked()
    item_id = questions(chat).id
    with pytest.raises(ValueError, match="has no question 'colour'"):
        await chat.answer(item_id, {"colour": "Black"})
    with pytest.raises(TypeError, match="must be strings"):
        await chat.answer(item_id, {"toys": ["Ball", 3]})  # type: ignore[list-item]
    with pytest.raises(ValueError, match="either answers or skip"):
        await chat.answer(item_id, {"name": "x"}, skip=True)
    with pytest.raises(ValueError, match="not a structured input item"):
        await chat.answer(chat.items[0].id, {"name": "x"})
    assert questions(chat).status == "pending"


async def test_answering_twice_is_refused():
    chat, _ = await asked()
    item_id = questions(chat).id
    await chat.answer(item_id, {"name": "Biscuit"})
    with pytest.raises(ValueError, match="already answered"):
        await chat.answer(item_id, {"name": "Again"})


async def test_answer_without_a_thread_is_a_clear_error():
    chat = ChatKitWidget(WidgetServer())
    with pytest.raises(RuntimeError, match="no thread is open"):
        await chat.answer("si_1", {"name": "x"})


async def test_a_view_submits_answers_and_gets_a_reply_after_the_response():
    chat, _ = await asked()
    item_id = questions(chat).id
    view_says(
        chat,
        {
            "type": "answer",
            "item_id": item_id,
            "answers": {"color": ["Tabby"], "toys": ["Mouse"]},
            "request_id": "r",
        },
    )
    await until(lambda: replies(chat))
    assert replies(chat) == [{"type": "reply", "request_id": "r", "ok": True}]
    assert answers_of(questions(chat)) == {"color": ["Tabby"], "toys": ["Mouse"], "name": "skipped"}
    events = [e for m in comm_of(chat).custom() if m["type"] == "batch" for e in m["events"]]
    replaced = [e for e in events if e["type"] == "thread.item.replaced"]
    assert replaced[-1]["item"]["status"] == "answered"


async def test_a_view_skips_and_a_second_submit_is_refused_with_a_notice():
    chat, _ = await asked()
    item_id = questions(chat).id
    for n in range(2):
        view_says(
            chat, {"type": "answer", "item_id": item_id, "skipped": True, "request_id": f"r{n}"}
        )
        await until(lambda n=n: len(replies(chat)) == n + 1)
    assert questions(chat).status == "skipped"
    assert [r["ok"] for r in replies(chat)] == [True, False]
    events = [e for m in comm_of(chat).custom() if m["type"] == "batch" for e in m["events"]]
    assert any("already skipped" in e.get("message", "") for e in events if e["type"] == "notice")
