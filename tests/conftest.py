"""Kernel-side test kit: a recording comm (what views would receive) and real servers.

No kernel and no browser: ipywidgets opens comms through ``comm.create_comm``, which we
replace with a comm that records every message it publishes (TESTING.md).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import comm
import pytest
from chatkit.server import ChatKitServer
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartTextDelta,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
)
from comm.base_comm import BaseComm

from chatkit_widget import ChatKitWidget, MemoryStore

from .ui.server_kit import assistant_item, said


class RecordingComm(BaseComm):
    """A comm whose messages go to a list instead of a kernel."""

    def __init__(self, **kwargs: Any) -> None:
        self.published: list[tuple[str, Any, Any]] = []
        super().__init__(**kwargs)

    def publish_msg(
        self,
        msg_type: str,
        data: Any = None,
        metadata: Any = None,
        buffers: Any = None,
        **keys: Any,
    ) -> None:
        self.published.append((msg_type, data, buffers))

    # What views would receive as custom messages, in order.
    def custom(self) -> list[dict[str, Any]]:
        return [
            data["content"]
            for msg_type, data, _ in self.published
            if msg_type == "comm_msg" and data.get("method") == "custom"
        ]

    def notices(self) -> list[dict[str, Any]]:
        """The notices views were sent, in order."""
        return [
            event
            for message in self.custom()
            if message["type"] == "batch"
            for event in message["events"]
            if event["type"] == "notice"
        ]

    def wire_bytes(self) -> int:
        """JSON bytes of every message to views: custom messages and trait updates."""
        return sum(
            len(json.dumps(data, separators=(",", ":")))
            for msg_type, data, _ in self.published
            if msg_type == "comm_msg"
        )

    def all_messages(self) -> int:
        return sum(1 for msg_type, _, _ in self.published if msg_type == "comm_msg")


@pytest.fixture(autouse=True)
def recording_comms(monkeypatch: pytest.MonkeyPatch) -> list[RecordingComm]:
    made: list[RecordingComm] = []

    def create_comm(*args: Any, **kwargs: Any) -> RecordingComm:
        c = RecordingComm(**kwargs)
        made.append(c)
        return c

    monkeypatch.setattr(comm, "create_comm", create_comm)
    return made


def view_says(widget: ChatKitWidget, content: dict[str, Any]) -> None:
    """Deliver a custom message to the widget as a browser view would."""
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )


def comm_of(widget: ChatKitWidget) -> RecordingComm:
    assert isinstance(widget.comm, RecordingComm)
    return widget.comm


async def settle(seconds: float = 0.05) -> None:
    """Let queued loop callbacks (transport timers, tasks) run."""
    await asyncio.sleep(seconds)


class ScriptedServer(ChatKitServer[dict[str, Any]]):
    """A real ChatKitServer whose ``respond`` streams text deltas from a script.

    ``deltas`` is what the assistant streams; ``before``/``after`` are extra events;
    ``delay`` sleeps between deltas (so a test can act mid-stream); ``fail_after``
    raises after that many deltas.
    """

    def __init__(
        self,
        store: Any = None,
        *,
        deltas: list[str] | None = None,
        delay: float = 0.0,
        fail_after: int | None = None,
        before: Callable[[ThreadMetadata], list[ThreadStreamEvent]] | None = None,
    ) -> None:
        super().__init__(store if store is not None else MemoryStore())
        self.deltas = deltas if deltas is not None else ["Hel", "lo ", "the", "re."]
        self.delay = delay
        self.fail_after = fail_after
        self.before = before
        self.seen: list[str] = []

    async def respond(
        self,
        thread: ThreadMetadata,
        input_user_message: UserMessageItem | None,
        context: dict[str, Any],
    ) -> AsyncIterator[ThreadStreamEvent]:
        if input_user_message is not None:
            self.seen.append(said(input_user_message))
        for event in self.before(thread) if self.before else []:
            yield event
        created = input_user_message.created_at if input_user_message else thread.created_at
        item = assistant_item(self.store, thread, context, created_at=created)
        yield ThreadItemAddedEvent(item=item)
        text = ""
        for n, delta in enumerate(self.deltas):
            if self.fail_after is not None and n == self.fail_after:
                raise RuntimeError("the model fell over")
            if self.delay:
                await asyncio.sleep(self.delay)
            text += delta
            yield ThreadItemUpdatedEvent(
                item_id=item.id,
                update=AssistantMessageContentPartTextDelta(content_index=0, delta=delta),
            )
        item.content = [AssistantMessageContent(text=text)]
        yield ThreadItemDoneEvent(item=item)
