"""What the test servers share: a user message's text and the items they answer with.

Copied next to the test notebooks with the servers that import it (``servers.py``,
``action_servers.py``, ``widget_servers.py``), and imported as ``tests.ui.server_kit`` by
the kernel-side tests.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chatkit.store import Store
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ThreadMetadata,
    UserMessageItem,
    WidgetItem,
)
from chatkit.widgets import WidgetRoot


def said(message: UserMessageItem | None) -> str:
    """The text of a user message (tags and other parts count as nothing)."""
    if message is None:
        return ""
    return "".join(getattr(part, "text", "") for part in message.content)


def assistant_item(
    store: Store[Any],
    thread: ThreadMetadata,
    context: Any,
    text: str = "",
    created_at: datetime | None = None,
) -> AssistantMessageItem:
    """An assistant message saying ``text`` (none: empty, to stream into)."""
    return AssistantMessageItem(
        id=store.generate_item_id("message", thread, context),
        thread_id=thread.id,
        created_at=created_at or datetime.now(),
        content=[AssistantMessageContent(text=text)] if text else [],
    )


def widget_item(
    store: Store[Any],
    thread: ThreadMetadata,
    context: Any,
    widget: WidgetRoot,
    copy_text: str,
    created_at: datetime | None = None,
) -> WidgetItem:
    return WidgetItem(
        id=store.generate_item_id("message", thread, context),
        thread_id=thread.id,
        created_at=created_at or datetime.now(),
        widget=widget,
        copy_text=copy_text,
    )
