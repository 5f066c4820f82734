"""Bounds: on what comes from views and what is echoed back, so one bad message cannot
flood the kernel's log or every view (a 10 MB message logged whole, a 10 MB thread id
echoed in a notice); and on how much history an agent turn reads."""

from __future__ import annotations

from typing import Any

# A view message larger than this (characters of its JSON, roughly) is refused unread.
# Generous for a pasted document in the composer; far below what floods a log.
MAX_VIEW_MESSAGE_CHARS = 1_000_000

# Thread items an agent's model sees per turn (AgentServer, from_agent): the newest ones.
# A bounded window keeps a turn's cost flat however long the thread grows (OpenAI's
# ChatKit samples load the newest 20).
DEFAULT_HISTORY_LIMIT = 100

# Untrusted values in logs, notices and replies are cut to this many characters.
MAX_ECHO_CHARS = 300


def clip(value: Any, limit: int = MAX_ECHO_CHARS) -> str:
    """``value`` (``str`` as is, anything else as its ``repr``) cut to ``limit``
    characters, with its full size when cut."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def exceeds(value: Any, limit: int = MAX_VIEW_MESSAGE_CHARS) -> int | None:
    """The approximate JSON size of ``value`` if it is over ``limit``, else ``None``.

    Stops counting as soon as the limit is passed, without serializing anything."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item) + 2
        elif isinstance(item, dict):
            total += 2 + len(item)
            for key, child in item.items():
                total += len(str(key)) + 3
                stack.append(child)
        elif isinstance(item, (list, tuple)):
            total += 2 + len(item)
            stack.extend(item)
        else:
            total += 8
        if total > limit:
            return total + sum(len(s) for s in stack if isinstance(s, str))
    return None
