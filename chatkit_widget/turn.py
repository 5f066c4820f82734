"""What one response produced, as ``await chat.send(...)`` returns it."""

from __future__ import annotations

import asyncio
import re
import traceback as _traceback
from dataclasses import dataclass, field
from typing import Any

from chatkit.types import (
    AssistantMessageItem,
    ClientEffectEvent,
    ErrorEvent,
    NoticeEvent,
    ProgressUpdateEvent,
    ThreadItem,
)

TOOL_ERROR_EFFECT = "chatkit_widget.tool_error"
"""The client effect a server emits to report a tool that raised (``ToolError.to_effect``).

``AgentServer`` emits it for every failing function tool; the widget records it in
``Turn.tool_errors`` and shows a notice instead of passing it to ``on_effect`` handlers."""


@dataclass(frozen=True)
class ToolError:
    """A tool that raised during a turn. The model was told the tool failed; this is what
    the notebook user gets to see."""

    tool: str
    """The tool's name."""
    type: str
    """The exception's class name, e.g. ``"ValidationError"``."""
    message: str
    """``str(exception)``."""
    traceback: str
    """The formatted traceback."""

    @classmethod
    def from_exception(cls, tool: str, error: BaseException) -> ToolError:
        return cls(
            tool=tool,
            type=type(error).__name__,
            message=str(error),
            traceback="".join(_traceback.format_exception(type(error), error, error.__traceback__)),
        )

    def to_effect(self) -> ClientEffectEvent:
        """The event that carries this error from a server to the widget."""
        return ClientEffectEvent(name=TOOL_ERROR_EFFECT, data=self.__dict__.copy())

    @classmethod
    def from_effect(cls, event: ClientEffectEvent) -> ToolError:
        data: dict[str, Any] = event.data
        return cls(
            tool=str(data.get("tool", "?")),
            type=str(data.get("type", "Exception")),
            message=str(data.get("message", "")),
            traceback=str(data.get("traceback", "")),
        )

    def __str__(self) -> str:
        return f"tool {self.tool!r} raised {self.type}: {self.message}"

    def notice_markdown(self, max_lines: int = 3, width: int = 120) -> str:
        """A short, literal (Markdown-escaped) account for a notice in the view: the
        message's first lines, cut, and where the rest is."""
        lines = [line.strip() for line in self.message.splitlines() if line.strip()]
        lines = [f"{self.type}: {lines[0] if lines else ''}".rstrip(": "), *lines[1:max_lines]]
        shown = [_md_escape(ln if len(ln) <= width else ln[: width - 1] + "…") for ln in lines]
        shown.append("The traceback is in the log and in `turn.tool_errors`.")
        return "  \n".join(shown)


def _md_escape(text: str) -> str:
    # Shown as written: no emphasis, links, code or HTML from an exception message.
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", text)


@dataclass
class Turn:
    """One response: from the user's message (or retry) to the end of the stream, client
    tool round trips included."""

    thread_id: str | None = None
    """The thread the turn ran in."""
    items: list[ThreadItem] = field(default_factory=list)
    """Thread items added or replaced during the turn (final versions, in order)."""
    effects: list[ClientEffectEvent] = field(default_factory=list)
    """Client effects the server sent (each also went to its ``on_effect`` handler)."""
    progress: list[ProgressUpdateEvent] = field(default_factory=list)
    """Progress updates, in order."""
    notices: list[NoticeEvent] = field(default_factory=list)
    """Notices the server sent."""
    error: ErrorEvent | None = None
    """The error that ended the turn, if any."""
    cancelled: bool = False
    """``chat.cancel()`` stopped the turn; the SDK kept the partial text."""
    tool_errors: list[ToolError] = field(default_factory=list)
    """Tools that raised during the turn (the model saw only "an error occurred")."""

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
        """No error ended the turn and it was not cancelled (tool errors do not count:
        the model saw them and answered)."""
        return self.error is None and not self.cancelled

    def __repr__(self) -> str:
        status = "cancelled" if self.cancelled else ("error" if self.error else "ok")
        preview = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        extra = f", tool_errors={len(self.tool_errors)}" if self.tool_errors else ""
        return f"Turn({status}, items={len(self.items)}{extra}, text={preview!r})"


class ResponseCancelled(asyncio.CancelledError):
    """``await chat.send(...)`` was interrupted (Kernel → Interrupt, Ctrl-C): the response
    was stopped and the partial reply kept. ``turn`` is the cancelled ``Turn``.

    A ``CancelledError``, so cancellation still propagates; IPython shows it as one line
    instead of a traceback.
    """

    def __init__(self, turn: Turn | None) -> None:
        super().__init__("response cancelled")
        self.turn = turn

    def _render_traceback_(self) -> list[str]:
        # IPython's hook for exceptions that print their own short report.
        return ["Response cancelled; the partial reply stays in the chat."]
