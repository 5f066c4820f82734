"""User callbacks for response and thread lifecycle (ChatKit.js's ``onResponseStart``…).

A raising hook is logged and never breaks the chat: the UI must always unlock.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger("chatkit_widget")

HOOK_NAMES = (
    "response_start",
    "response_end",
    "error",
    "thread_change",
    "thread_load_start",
    "thread_load_end",
    "feedback",
)


class Hooks:
    def __init__(self) -> None:
        self._callbacks: dict[str, list[Callable[..., Any]]] = {name: [] for name in HOOK_NAMES}

    def add(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(fn):
            raise TypeError(f"on_{name} expects a callable, got {fn!r}")
        self._callbacks[name].append(fn)
        return fn

    def remove(self, name: str, fn: Callable[..., Any]) -> None:
        self._callbacks[name].remove(fn)

    def fire(self, name: str, *args: Any) -> None:
        """Call every callback for ``name``; coroutines run as tasks (fire-and-forget)."""
        for fn in list(self._callbacks[name]):
            try:
                result = fn(*args)
                if inspect.isawaitable(result):
                    task = asyncio.ensure_future(result)
                    task.add_done_callback(_log_task_failure(name, fn))
            except Exception:
                logger.exception("on_%s callback %r raised", name, fn)


def _log_task_failure(name: str, fn: Callable[..., Any]) -> Callable[[asyncio.Future[Any]], None]:
    def done(task: asyncio.Future[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("on_%s callback %r raised", name, fn, exc_info=task.exception())

    return done
