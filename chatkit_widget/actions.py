"""Widget actions and structured input: ChatKit.js's ``sendCustomAction`` and
``widgets.onAction``, played by the kernel.

An action (a widget's ``ActionConfig``, clicked in a view or sent from Python) goes one of
three ways, as in ChatKit.js:

- ``handler: "server"`` (the default): ``threads.custom_action``, a streaming response like
  any other (lifecycle hooks, ``is_responding``, Stop, effects, client tools); the server's
  ``action()`` usually answers by replacing the sender widget.
- ``streaming: false``: ``threads.sync_custom_action``; the returned ``updated_item``
  replaces its item in place. Allowed while another response streams.
- ``handler: "client"``: a Python handler registered with ``@chat.on_action(type)``
  receives the action and the sending ``WidgetItem``; it may chain to the server with
  ``await chat.send_action(...)``.

Structured input (a pending ``StructuredInputItem``) is answered with
``threads.add_structured_input``, which streams the server's continued response.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from chatkit.actions import Action
from chatkit.types import (
    StructuredInputItem,
    StructuredInputSubmission,
    ThreadCustomActionParams,
    WidgetItem,
)
from pydantic import ValidationError

from .client import ChatBusyError, ChatKitClient
from .limits import clip
from .turn import Turn

logger = logging.getLogger("chatkit_widget")

F = TypeVar("F", bound=Callable[..., Any])

ActionHandler = Callable[[Action[str, Any], WidgetItem | None], Any]


class ActionFailed(Exception):
    """An action sent by a view failed; the message is what the user is told."""


class NoThreadError(RuntimeError):
    """An action or answer needs an open thread, and there is none."""


class Actions:
    """Routes actions to the server or to Python handlers; answers structured input."""

    def __init__(self, client: ChatKitClient) -> None:
        self.client = client
        self.handlers: dict[str, ActionHandler] = {}
        self._warned: set[str] = set()

    # -- registration ---------------------------------------------------------------------

    def on_action(self, action_type: str) -> Callable[[F], F]:
        if not isinstance(action_type, str) or not action_type:
            raise TypeError(f"on_action expects an action type string, got {action_type!r}")

        def register(fn: F) -> F:
            if not callable(fn):
                raise TypeError(f"on_action({action_type!r}) expects a callable, got {fn!r}")
            self.handlers[action_type] = fn
            return fn

        return register

    # -- to the server --------------------------------------------------------------------

    async def send(
        self,
        action_type: str,
        payload: Any = None,
        *,
        item_id: str | None = None,
        streaming: bool = True,
    ) -> Turn:
        """ChatKit.js's ``sendCustomAction``: the action goes to the server."""
        action = _action(action_type, payload)
        self._require_thread("send an action")
        if item_id is not None and item_id not in self.client.state.items:
            raise ValueError(f"{item_id!r} is not an item of the active thread")
        if streaming:
            return await _await(self.client.custom_action(action, item_id))
        updated = await self.client.sync_custom_action(action, item_id)
        return Turn(
            thread_id=self.client.state.thread_id, items=[updated] if updated is not None else []
        )

    # -- from a view ----------------------------------------------------------------------

    async def from_view(self, config: Mapping[str, Any], item_id: str | None) -> None:
        """Run an action a view sent; returns when its response has ended.

        Problems are logged here and raised as ``ActionFailed`` with the text for the
        user; the caller replies to the view either way, so the clicked control unlocks.
        """
        try:
            action = _action(config.get("type"), config.get("payload"))
        except (TypeError, ValidationError) as exc:
            logger.error("ignored a malformed widget action %s: %s", clip(config), clip(str(exc)))
            raise ActionFailed(f"Ignored a malformed widget action: {clip(str(exc))}") from None
        handler = config.get("handler", "server")
        sender = self._sender(item_id)
        if handler == "client":
            await self._run_client_handler(action, sender)
            return
        try:
            await self.send(
                action.type,
                action.payload,
                item_id=item_id if sender is not None else None,
                streaming=config.get("streaming", True) is not False,
            )
        except ChatBusyError as exc:
            # ChatKit.js blocks streaming actions during a response; say what to do instead.
            logger.warning("action %s refused: a response is running", _name(action))
            raise ActionFailed(
                f"Action {_name(action)} not sent: a response is running. Wait for it to "
                "finish (or press Stop), then try again."
            ) from exc
        except Exception as exc:  # no thread, the server's sync_action raised…
            logger.error("action %s failed: %s", _name(action), clip(str(exc)))
            raise ActionFailed(f"Action {_name(action)} failed: {clip(str(exc))}") from exc

    async def _run_client_handler(
        self, action: Action[str, Any], sender: WidgetItem | None
    ) -> None:
        handler = self.handlers.get(action.type)
        if handler is None:
            if action.type not in self._warned:
                self._warned.add(action.type)
                logger.warning(
                    "no handler for the client action %s: register one with @chat.on_action(%s)",
                    _name(action),
                    _name(action),
                )
            raise ActionFailed(f"Nothing handles the action {_name(action)}.")
        try:
            result = handler(action, sender)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            logger.exception("the handler for action %s raised", _name(action))
            raise ActionFailed(
                f"The handler for action {_name(action)} failed: "
                f"{type(exc).__name__}: {clip(str(exc))}"
            ) from exc

    def _sender(self, item_id: str | None) -> WidgetItem | None:
        if item_id is None:
            return None
        item = self.client.state.items.get(item_id)
        return item if isinstance(item, WidgetItem) else None

    # -- structured input -----------------------------------------------------------------

    async def answer(
        self,
        item_id: str,
        answers: Mapping[str, str | Sequence[str]] | None = None,
        *,
        skip: bool = False,
    ) -> Turn:
        """Answer (or skip) a pending structured input; returns the server's response."""
        self._require_thread("answer structured input")
        item = self.client.state.items.get(item_id)
        if not isinstance(item, StructuredInputItem):
            raise ValueError(f"{item_id!r} is not a structured input item of the active thread")
        if item.status != "pending":
            raise ValueError(f"structured input {item_id!r} was already {item.status}")
        if skip:
            if answers:
                raise ValueError("answer() takes either answers or skip=True, not both")
            submission = StructuredInputSubmission(status="skipped")
        else:
            submission = StructuredInputSubmission(
                status="answered", answers=_answers(item, answers or {})
            )
        return await _await(self.client.add_structured_input(item_id, submission))

    def _require_thread(self, what: str) -> str:
        thread_id = self.client.state.thread_id
        if thread_id is None:
            raise NoThreadError(
                f"cannot {what}: no thread is open (send a message or open a thread first)"
            )
        return thread_id


def _name(action: Action[str, Any]) -> str:
    """The action's type for logs and notices (it may come from a view: clipped)."""
    return clip(repr(action.type))


def _action(action_type: Any, payload: Any) -> Action[str, Any]:
    if not isinstance(action_type, str) or not action_type:
        raise TypeError(f"an action needs a non-empty type string, got {action_type!r}")
    # Validated through the request model: building the (deprecated) Action class directly
    # would warn in every notebook.
    params = ThreadCustomActionParams.model_validate(
        {"thread_id": "", "action": {"type": action_type, "payload": payload}}
    )
    return params.action


def _answers(
    item: StructuredInputItem, answers: Mapping[str, str | Sequence[str]]
) -> dict[str, Any]:
    known = {question.id for question in item.inputs}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValueError(
            f"structured input {item.id!r} has no question {', '.join(map(repr, unknown))} "
            f"(its questions: {', '.join(map(repr, sorted(known)))})"
        )
    result: dict[str, Any] = {}
    for question_id, values in answers.items():
        listed = [values] if isinstance(values, str) else list(values)
        if not all(isinstance(value, str) for value in listed):
            raise TypeError(f"answers to {question_id!r} must be strings, got {values!r}")
        result[question_id] = {"values": listed}
    return result


async def _await(task: asyncio.Task[Turn]) -> Turn:
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        # The caller (e.g. an interrupted cell) gave up: stop the response too.
        task.cancel()
        raise
