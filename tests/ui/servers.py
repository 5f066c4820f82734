"""Servers the browser tests' notebooks import (copied next to each test notebook).

Ordinary ChatKitServer subclasses with a paced, deterministic reply, so a test can watch
the stream, stop it, or make it fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from chatkit.server import ChatKitServer
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartTextDelta,
    ClientEffectEvent,
    ClientToolCallItem,
    ProgressUpdateEvent,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
)

from chatkit_widget import MemoryStore

if __package__:  # tests.ui.servers
    from .server_kit import assistant_item, said
else:  # copied next to a test notebook
    from server_kit import assistant_item, said  # type: ignore[no-redef]


def chunks(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class PacedServer(ChatKitServer[dict[str, Any]]):
    """Streams ``reply`` in 4-character deltas, ``delay`` seconds apart.

    ``fail_times``: the first N responses raise midway. ``effects``: client effects sent
    before the reply. ``client_tool``: ask the client for this tool first, then reply with
    what it returned. ``replies``: reply with these in turn (cycling; overrides ``reply``).
    ``progress``: a progress line shown for ``progress_for`` seconds before the reply.
    ``titles``: name each new thread after its first user message.
    """

    def __init__(
        self,
        reply: str = "Hello from the kernel.",
        delay: float = 0.01,
        *,
        fail_times: int = 0,
        effects: list[ClientEffectEvent] | None = None,
        client_tool: str | None = None,
        store: Any = None,
        replies: list[str] | None = None,
        progress: str | None = None,
        progress_for: float = 0.0,
        titles: bool = False,
    ) -> None:
        super().__init__(store if store is not None else MemoryStore())
        self.reply, self.delay, self.fail_times = reply, delay, fail_times
        self.effects = effects or []
        self.client_tool = client_tool
        self.replies, self.responses = list(replies or []), 0
        self.progress, self.progress_for, self.titles = progress, progress_for, titles

    async def respond(
        self,
        thread: ThreadMetadata,
        input_user_message: UserMessageItem | None,
        context: dict[str, Any],
    ) -> AsyncIterator[ThreadStreamEvent]:
        created = input_user_message.created_at if input_user_message else thread.created_at
        reply = self.reply
        if self.replies:
            reply = self.replies[self.responses % len(self.replies)]
        self.responses += 1
        if self.titles and not thread.title and input_user_message is not None:
            thread.title = said(input_user_message).strip()[:40]
        if self.client_tool and input_user_message is not None:
            yield ThreadItemDoneEvent(
                item=ClientToolCallItem(
                    id=self.store.generate_item_id("tool_call", thread, context),
                    thread_id=thread.id,
                    created_at=created,
                    call_id="call_1",
                    name=self.client_tool,
                    arguments={},
                )
            )
            return
        if self.client_tool:
            last = await self.store.load_thread_items(thread.id, None, 1, "desc", context)
            reply = f"The tool said {last.data[0].output}."  # type: ignore[union-attr]
        for effect in self.effects:
            yield effect
        if self.progress:
            yield ProgressUpdateEvent(icon="search", text=self.progress)
            await asyncio.sleep(self.progress_for)
        item = assistant_item(self.store, thread, context, created_at=created)
        yield ThreadItemAddedEvent(item=item)
        parts = chunks(reply)
        for n, delta in enumerate(parts):
            if self.fail_times and n == len(parts) // 2:
                self.fail_times -= 1
                raise RuntimeError("the model fell over")
            await asyncio.sleep(self.delay)
            yield ThreadItemUpdatedEvent(
                item_id=item.id,
                update=AssistantMessageContentPartTextDelta(content_index=0, delta=delta),
            )
        item.content = [AssistantMessageContent(text=reply)]
        yield ThreadItemDoneEvent(item=item)


class ComposerServer(PacedServer):
    """A PacedServer with attachments (in-process store), dictation, and a record of the
    user messages it was given (``inputs``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from chatkit_widget import LocalAttachmentStore

        super().__init__(*args, **kwargs)
        self.attachment_store = LocalAttachmentStore()
        self.inputs: list[UserMessageItem] = []

    async def respond(
        self,
        thread: ThreadMetadata,
        input_user_message: UserMessageItem | None,
        context: dict[str, Any],
    ) -> AsyncIterator[ThreadStreamEvent]:
        if input_user_message is not None:
            self.inputs.append(input_user_message)
        async for event in super().respond(thread, input_user_message, context):
            yield event

    async def transcribe(self, audio_input: Any, context: dict[str, Any]) -> Any:
        from chatkit.types import TranscriptionResult

        return TranscriptionResult(
            text=f"heard {len(audio_input.data)} bytes of {audio_input.media_type}"
        )
