"""A server that answers with widgets and handles their actions (kernel and browser tests).

An ordinary ChatKitServer subclass: a message gets a card with buttons, a list and a form;
the message "questions" gets a pending structured input; ``action()`` replaces the sender
card, ``sync_action()`` counts likes in place. Widgets are built from plain JSON through
``DynamicWidgetRoot`` (the named widget classes are deprecated in openai-chatkit).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from chatkit.actions import Action
from chatkit.server import ChatKitServer
from chatkit.types import (
    AssistantMessageItem,
    StructuredInputItem,
    SyncCustomActionResponse,
    ThreadItemDoneEvent,
    ThreadItemReplacedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
    WidgetItem,
)
from chatkit.widgets import DynamicWidgetRoot

from chatkit_widget import MemoryStore

if __package__:  # tests.ui.action_servers
    from .server_kit import assistant_item, said, widget_item
else:  # copied next to a test notebook
    from server_kit import assistant_item, said, widget_item  # type: ignore[no-redef]

NAMES = ["Tom", "Luna", "Milo"]


def card(children: list[dict[str, Any]], **props: Any) -> DynamicWidgetRoot:
    return DynamicWidgetRoot.model_validate({"type": "Card", "children": children, **props})


def pick_card(likes: int = 0) -> DynamicWidgetRoot:
    """The card a message gets: server, sync and client actions, a list and a form."""
    return card(
        [
            {"type": "Title", "value": "Pick a cat name"},
            {
                "type": "Row",
                "gap": 2,
                "children": [
                    {
                        "type": "Button",
                        "label": name,
                        "onClickAction": {"type": "cats.pick", "payload": {"name": name}},
                    }
                    for name in NAMES
                ],
            },
            {
                "type": "Button",
                "id": "like",
                "label": f"Like ({likes})",
                "onClickAction": {
                    "type": "cats.like",
                    "payload": {"likes": likes},
                    "streaming": False,
                },
            },
            {
                "type": "ListView",
                "children": [
                    {
                        "type": "ListViewItem",
                        "children": [{"type": "Text", "value": name}],
                        "onClickAction": {
                            "type": "cats.select",
                            "payload": {"name": name},
                            "handler": "client",
                        },
                    }
                    for name in NAMES
                ],
            },
            {
                "type": "Form",
                "onSubmitAction": {"type": "cats.save"},
                "children": [
                    {"type": "Input", "name": "cat.name", "placeholder": "Name", "required": True},
                    {
                        "type": "Select",
                        "name": "cat.color",
                        "placeholder": "Colour",
                        "options": [
                            {"label": "Black", "value": "black"},
                            {"label": "Ginger", "value": "ginger"},
                        ],
                        "onChangeAction": {
                            "type": "cats.color",
                            "handler": "client",
                        },
                    },
                    {"type": "Button", "label": "Save", "submit": True},
                ],
            },
        ]
    )


QUESTIONS: list[dict[str, Any]] = [
    {
        "type": "multiple_choice",
        "id": "color",
        "question": "Which colour?",
        "options": [{"value": "Black"}, {"value": "Ginger"}, {"value": "Tabby"}],
    },
    {
        "type": "multiple_choice",
        "id": "toys",
        "question": "Which toys?",
        "multiple": True,
        "options": [{"value": "Ball"}, {"value": "Mouse"}, {"value": "Feather"}],
    },
    {
        "type": "freeform",
        "id": "name",
        "question": "What is the cat called?",
        "description": "Any name you like.",
    },
]


class WidgetServer(ChatKitServer[dict[str, Any]]):
    """``action_delay``: seconds ``action()`` waits before it answers (loading states);
    ``reply_delay``: seconds a reply takes after its card (a long-running stream)."""

    def __init__(
        self, store: Any = None, *, action_delay: float = 0.0, reply_delay: float = 0.0
    ) -> None:
        super().__init__(store if store is not None else MemoryStore())
        self.action_delay = action_delay
        self.reply_delay = reply_delay
        # (method, action type, payload, sender id) of every action the server got.
        self.actions: list[tuple[str, str, Any, str | None]] = []

    def _message(self, thread: ThreadMetadata, text: str) -> AssistantMessageItem:
        return assistant_item(self.store, thread, {}, text, thread.created_at)

    async def respond(
        self,
        thread: ThreadMetadata,
        input_user_message: UserMessageItem | None,
        context: dict[str, Any],
    ) -> AsyncIterator[ThreadStreamEvent]:
        if input_user_message is None:
            # After structured input: say what was answered.
            page = await self.store.load_thread_items(thread.id, None, 20, "desc", context)
            answered = next(i for i in page.data if isinstance(i, StructuredInputItem))
            summary = "; ".join(
                f"{q.id}: "
                + ("skipped" if not q.answer or q.answer.skipped else ", ".join(q.answer.values))
                for q in answered.inputs
            )
            yield ThreadItemDoneEvent(item=self._message(thread, f"Thanks ({summary})."))
            return
        if said(input_user_message) == "questions":
            yield ThreadItemDoneEvent(
                item=StructuredInputItem.model_validate(
                    {
                        "id": self.store.generate_item_id("message", thread, context),
                        "thread_id": thread.id,
                        "created_at": thread.created_at,
                        "inputs": QUESTIONS,
                    }
                )
            )
            return
        card_item = widget_item(
            self.store, thread, context, pick_card(), "Pick a cat name", thread.created_at
        )
        yield ThreadItemDoneEvent(item=card_item)
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        yield ThreadItemDoneEvent(item=self._message(thread, "Here are some names."))

    async def action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: dict[str, Any],
    ) -> AsyncIterator[ThreadStreamEvent]:
        self.actions.append(("action", action.type, action.payload, sender.id if sender else None))
        if self.action_delay:
            await asyncio.sleep(self.action_delay)
        payload = action.payload if isinstance(action.payload, dict) else {}
        if action.type == "cats.pick":
            done = f"You picked {payload.get('name')}."
        elif action.type == "cats.save":
            cat = payload.get("cat", {})
            done = f"Saved {cat.get('name')} ({cat.get('color')})."
        else:
            done = f"Unknown action {action.type}."
        if sender is not None:
            replaced = sender.model_copy(
                update={"widget": card([{"type": "Text", "id": "done", "value": done}])}
            )
            yield ThreadItemReplacedEvent(item=replaced)
        yield ThreadItemDoneEvent(item=self._message(thread, done))

    async def sync_action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: dict[str, Any],
    ) -> SyncCustomActionResponse:
        self.actions.append(
            ("sync_action", action.type, action.payload, sender.id if sender else None)
        )
        if sender is None or action.type != "cats.like":
            return SyncCustomActionResponse()
        likes = int((action.payload or {}).get("likes", 0)) + 1
        updated = sender.model_copy(update={"widget": pick_card(likes)})
        # ChatKit leaves storing a sync update to the server.
        await self.store.save_item(thread.id, updated, context)
        return SyncCustomActionResponse(updated_item=updated)


class FlakyActionServer(WidgetServer):
    """Its first ``cats.pick`` raises (ChatKitServer streams a retryable error); later ones
    work: Retry must send that click again."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: dict[str, Any],
    ) -> AsyncIterator[ThreadStreamEvent]:
        if action.type == "cats.pick" and not self.failed:
            self.failed = True
            self.actions.append(("action", action.type, action.payload, sender and sender.id))
            raise RuntimeError("the cat service is down")
        async for event in super().action(thread, action, sender, context):
            yield event
