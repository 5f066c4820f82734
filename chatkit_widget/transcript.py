"""Plain renderings of a thread, for places that cannot run JavaScript."""

from __future__ import annotations

from chatkit.types import (
    AssistantMessageItem,
    ClientToolCallItem,
    ThreadItem,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTagContent,
    WidgetItem,
)


def to_markdown(thread: ThreadMetadata | None, items: list[ThreadItem]) -> str:
    """The conversation as Markdown: a heading, then one section per message."""
    parts = [f"# {thread.title or 'Chat'}" if thread else "# New chat"]
    for item in items:
        match item:
            case UserMessageItem():
                text = "".join(
                    f"`@{c.text}`" if isinstance(c, UserMessageTagContent) else c.text
                    for c in item.content
                )
                quoted = f"> {item.quoted_text}\n\n" if item.quoted_text else ""
                parts.append(f"**You:**\n\n{quoted}{text}")
            case AssistantMessageItem():
                parts.append("**Assistant:**\n\n" + "".join(c.text for c in item.content))
            case ClientToolCallItem():
                parts.append(f"*Tool `{item.name}` ({item.status})*")
            case WidgetItem() if item.copy_text:
                parts.append(item.copy_text)
            case _:
                pass
    return "\n\n".join(parts) + "\n"
