"""What one response produced, as ``await chat.send(...)`` returns it."""

from __future__ import annotations

from dataclasses import dataclass, field

from chatkit.types import (
    AssistantMessageItem,
    ClientEffectEvent,
    ErrorEvent,
    NoticeEvent,
    ProgressUpdateEvent,
    ThreadItem,
)


@dataclass
class Turn:
    """One response: from the user's message (or retry) to the end of the stream, client
    tool round trips included."""

    thread_id: str | None = None
    items: list[ThreadItem] = field(default_factory=list)
    """Thread items added or replaced during the turn (final versions, in order)."""
    effects: list[ClientEffectEvent] = field(default_factory=list)
    progress: list[ProgressUpdateEvent] = field(default_factory=list)
    notices: list[NoticeEvent] = field(default_factory=list)
    error: ErrorEvent | None = None
    """The error that ended the turn, if any."""
    cancelled: bool = False
    """``chat.cancel()`` stopped the turn; the SDK kept the partial text."""

    @property
    def text(self) -> str:
        """The assistant text of the turn (messages separated by a blank line)."""
        return "\n\n".join(
            "".join(part.text for part in item.content)
            for item in self.items
            if isinstance(item, AssistantMessageItem)
        )

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled

    def __repr__(self) -> str:
        status = "cancelled" if self.cancelled else ("error" if self.error else "ok")
        preview = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"Turn({status}, items={len(self.items)}, text={preview!r})"
