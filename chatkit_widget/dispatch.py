"""Client effects and client tools, answered by Python callbacks in the kernel.

Effects are fire-and-forget: a handler never holds up the stream (coroutines run as
tasks) and a raising handler is reported, not fatal. Client tools always get an answer:
an unknown tool, a raising handler or an unserializable result becomes an ``{"error": …}``
result for the model, so no pending call is left dangling in the thread.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any

from chatkit.types import ClientEffectEvent, ClientToolCallItem

from .tools import ClientTool

logger = logging.getLogger("chatkit_widget")

DEFAULT_MAX_CLIENT_TOOL_ROUND_TRIPS = 8


class ClientToolLoopError(RuntimeError):
    """The model kept calling client tools past the per-response bound."""


class Dispatcher:
    def __init__(self, report: Callable[[str], None]) -> None:
        """``report(message)`` shows a handler failure to the user (a notice in views)."""
        self.effects: dict[str, Callable[[dict[str, Any]], Any]] = {}
        self.tools: dict[str, ClientTool] = {}
        self.max_round_trips = DEFAULT_MAX_CLIENT_TOOL_ROUND_TRIPS
        self.round_trips = 0
        self._report = report
        self._warned_effects: set[str] = set()

    # -- effects --------------------------------------------------------------------------

    def effect(self, event: ClientEffectEvent) -> None:
        handler = self.effects.get(event.name)
        if handler is None:
            if event.name not in self._warned_effects:
                self._warned_effects.add(event.name)
                logger.warning(
                    "no handler for client effect %r (register one with @chat.on_effect(%r))",
                    event.name,
                    event.name,
                )
            return
        try:
            result = handler(event.data)
        except Exception as exc:
            self._effect_failed(event.name, exc)
            return
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            task.add_done_callback(lambda t: self._effect_task_done(event.name, t))

    def _effect_task_done(self, name: str, task: asyncio.Future[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self._effect_failed(name, task.exception())  # type: ignore[arg-type]

    def _effect_failed(self, name: str, exc: BaseException) -> None:
        logger.error("client effect handler %r raised", name, exc_info=exc)
        self._report(f"Effect handler `{name}` failed: {type(exc).__name__}: {exc}")

    # -- client tools ---------------------------------------------------------------------

    async def client_tool(self, call: ClientToolCallItem) -> Any:
        """The JSON-able result to send back for a pending client tool call."""
        self.round_trips += 1
        if self.round_trips > self.max_round_trips:
            raise ClientToolLoopError(
                f"stopped after {self.max_round_trips} client tool round trips in one "
                f"response (the model kept calling {call.name!r}); raise "
                "chat.max_client_tool_round_trips if this is expected"
            )
        tool = self.tools.get(call.name)
        if tool is None:
            message = (
                f"unknown client tool {call.name!r}; registered: {sorted(self.tools) or 'none'}"
            )
            logger.error(message)
            self._report(f"The model called {message}.")
            return {"error": message}
        try:
            result = await tool.invoke(call.arguments)
            json.dumps(result)  # what cannot travel must fail here, not in the server
        except Exception as exc:
            logger.error("client tool %r raised", call.name, exc_info=exc)
            self._report(f"Client tool `{call.name}` failed: {type(exc).__name__}: {exc}")
            return {"error": f"{type(exc).__name__}: {exc}"}
        return result
