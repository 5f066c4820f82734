"""The ChatKit client, in the kernel.

It plays ChatKit.js's role against an unchanged ``ChatKitServer``: builds ChatKit request
JSON, calls ``server.process()`` in-process, applies the streamed events to the thread
state, records the ``Turn``, dispatches effects and client tools, and forwards events to
views through the transport. Nothing here depends on a browser being attached.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from chatkit.actions import Action
from chatkit.errors import ErrorCode
from chatkit.server import ChatKitServer, NonStreamingResult, StreamingResult
from chatkit.store import NotFoundError
from chatkit.types import (
    AssistantMessageItem,
    BaseReq,
    ClientEffectEvent,
    ClientToolCallItem,
    ErrorEvent,
    InferenceOptions,
    ItemFeedbackParams,
    ItemsFeedbackReq,
    ItemsListParams,
    ItemsListReq,
    NoticeEvent,
    Page,
    ProgressUpdateEvent,
    StreamOptionsEvent,
    StructuredInputSubmission,
    SyncCustomActionResponse,
    ThreadAddClientToolOutputParams,
    ThreadAddStructuredInputParams,
    ThreadAddUserMessageParams,
    ThreadCreateParams,
    ThreadCustomActionParams,
    ThreadDeleteParams,
    ThreadGetByIdParams,
    ThreadItem,
    ThreadItemDoneEvent,
    ThreadItemRemovedEvent,
    ThreadItemReplacedEvent,
    ThreadListParams,
    ThreadMetadata,
    ThreadRetryAfterItemParams,
    ThreadsAddClientToolOutputReq,
    ThreadsAddStructuredInputReq,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadsCustomActionReq,
    ThreadsDeleteReq,
    ThreadsGetByIdReq,
    ThreadsListReq,
    ThreadsRetryAfterItemReq,
    ThreadsSyncCustomActionReq,
    ThreadStreamEvent,
    ThreadsUpdateReq,
    ThreadUpdateParams,
    UserMessageContent,
    UserMessageInput,
    UserMessageItem,
    UserMessageTextContent,
)
from pydantic import TypeAdapter
from pydantic_core import from_json

from .dispatch import ClientToolLoopError, Dispatcher
from .hooks import Hooks
from .limits import clip
from .protocol import ITEM_DONE, ITEMS_REMOVED, RESPONSE_END, RESPONSE_START, TEXT_DELTA, ViewState
from .thread_state import ThreadState, as_metadata, dump_thread
from .transport import Transport
from .turn import TOOL_ERROR_EFFECT, ToolError, Turn

logger = logging.getLogger("chatkit_widget")

event_adapter: TypeAdapter[ThreadStreamEvent] = TypeAdapter(ThreadStreamEvent)
item_page_adapter: TypeAdapter[Page[ThreadItem]] = TypeAdapter(Page[ThreadItem])
thread_page_adapter: TypeAdapter[Page[ThreadMetadata]] = TypeAdapter(Page[ThreadMetadata])

ITEMS_PAGE_SIZE = 50


def _uncancel() -> None:
    """Forget a cancellation we handled (Python 3.11+ counts them; 3.10 has no count)."""
    task = asyncio.current_task()
    if task is not None and hasattr(task, "uncancel"):
        task.uncancel()


class ChatBusyError(RuntimeError):
    """A response is already running on this chat."""


class ChatKitClient:
    def __init__(
        self,
        server: ChatKitServer[Any],
        context: Any,
        transport: Transport,
        hooks: Hooks,
        dispatcher: Dispatcher,
        *,
        on_thread: Callable[[ThreadMetadata | None], None],
        on_responding: Callable[[bool], None],
        on_commit: Callable[[], None],
    ) -> None:
        self.server = server
        self.context = context
        self.transport = transport
        self.hooks = hooks
        self.dispatcher = dispatcher
        self.state = ThreadState()
        self.progress: ProgressUpdateEvent | None = None
        self.stream_options: dict[str, Any] | None = None
        self.last_error: ErrorEvent | None = None
        # What the last response ran: the error's Retry resends a failed action.
        self._last_request: BaseReq | None = None
        # Notices since the last response start: a view that attaches late gets them in
        # its snapshot (e.g. "thread not found" reported before any view rendered).
        self.notices: list[dict[str, Any]] = []
        self.tool_error_notices = True
        self._task: asyncio.Task[Turn] | None = None
        # Cancel is cooperative: asked for here, honoured by _respond at whatever point it
        # has reached (a task cancelled before its first step would never run its own
        # clean-up: no end hook, no unlock, CancelledError instead of a Turn).
        self._cancel_requested = False
        self._running = False
        # threads.create until the chat hears the new thread's id: a cancel waits for it,
        # or the store would keep a thread nobody knows (see _forget_empty_new_thread).
        self._creating = False
        self._on_thread = on_thread
        self._on_responding = on_responding
        self._on_commit = on_commit

    # -- responses ------------------------------------------------------------------------

    @property
    def is_responding(self) -> bool:
        return self._task is not None and not self._task.done()

    def send(
        self,
        text: str,
        *,
        content: list[UserMessageContent] | None = None,
        attachments: list[str] | None = None,
        quoted_text: str | None = None,
        inference_options: InferenceOptions | None = None,
    ) -> asyncio.Task[Turn]:
        """Start a turn for a user message; the thread is created on first use.

        ``content`` (text and tags, in order) replaces ``text`` when given; a message
        needs some text or an attachment."""
        if not isinstance(text, str):
            raise ValueError("send() needs a message text")
        if content is None:
            content = [UserMessageTextContent(text=text)] if text.strip() else []
        has_text = any(
            not isinstance(part, UserMessageTextContent) or part.text.strip() for part in content
        )
        if not has_text and not attachments:
            raise ValueError("send() needs a non-empty message text")
        message = UserMessageInput(
            content=content,
            attachments=list(attachments or []),
            quoted_text=quoted_text or None,
            inference_options=inference_options or InferenceOptions(),
        )
        thread_id = self.state.thread_id
        request: BaseReq
        if thread_id is None:
            request = ThreadsCreateReq(params=ThreadCreateParams(input=message))
        else:
            request = ThreadsAddUserMessageReq(
                params=ThreadAddUserMessageParams(thread_id=thread_id, input=message)
            )
        return self._start(request)

    def retry(self, item_id: str | None = None) -> asyncio.Task[Turn]:
        """Run again from a user message (default: the last one)."""
        thread_id = self.state.thread_id
        if thread_id is None:
            raise ValueError("there is no thread to retry in")
        if item_id is None:
            users = [i for i in self.state.items.values() if isinstance(i, UserMessageItem)]
            if not users:
                raise ValueError("the thread has no user message to retry from")
            item_id = users[-1].id
        elif not isinstance(self.state.items.get(item_id), UserMessageItem):
            raise ValueError(f"{clip(repr(item_id))} is not a user message of the active thread")
        # The SDK deletes the later items from the store without removal events: drop
        # them here and in every view.
        ids = list(self.state.items)
        later = ids[ids.index(item_id) + 1 :]
        self._remove_items(later)
        return self._start(
            ThreadsRetryAfterItemReq(
                params=ThreadRetryAfterItemParams(thread_id=thread_id, item_id=item_id)
            )
        )

    def retry_error(self) -> asyncio.Task[Turn]:
        """The error's Retry: a failed widget action is sent again (same action, same
        sender item), as the click was; any other failure runs again from the last user
        message. Rerunning the last answer for a failed click would delete it."""
        request = self._last_request
        if (
            self.last_error is not None
            and isinstance(request, ThreadsCustomActionReq)
            and request.params.thread_id == self.state.thread_id
        ):
            sender = request.params.item_id
            if sender is not None and sender not in self.state.items:
                raise ValueError(f"the widget {clip(repr(sender))} that sent the action is gone")
            return self._start(request)
        return self.retry(None)

    def cancel(self) -> bool:
        """Stop the running response; returns whether there was one. Safe at any point:
        the response still ends (a cancelled ``Turn``, end hooks, views unlocked)."""
        if not self.is_responding:
            return False
        assert self._task is not None
        if not self._cancel_requested:
            self._cancel_requested = True
            task = self._task
            if task is asyncio.current_task():
                # From inside the response (a hook, an effect handler): cancelling now
                # would also cancel the task's return; interrupt its next await instead.
                task.get_loop().call_soon(task.cancel)
            elif self._running and not self._creating:
                # Interrupts the await in progress; _respond catches it. Before the task's
                # first step, the flag alone stops it (see _respond); during a thread's
                # creation, _on_event honours it once the id is known.
                task.cancel()
        return True

    # -- actions and structured input (actions.py decides when to call these) -------------

    def custom_action(self, action: Action[str, Any], item_id: str | None) -> asyncio.Task[Turn]:
        """Start ``threads.custom_action``: a response like any other."""
        return self._start(
            ThreadsCustomActionReq(
                params=ThreadCustomActionParams(
                    thread_id=self._open_thread_id(), item_id=item_id, action=action
                )
            )
        )

    async def sync_custom_action(
        self, action: Action[str, Any], item_id: str | None
    ) -> ThreadItem | None:
        """``threads.sync_custom_action``; its ``updated_item`` replaces that item in place.
        Runs beside a streaming response (ChatKit allows it)."""
        thread_id = self._open_thread_id()
        raw = await self.request(
            ThreadsSyncCustomActionReq(
                params=ThreadCustomActionParams(thread_id=thread_id, item_id=item_id, action=action)
            )
        )
        updated = SyncCustomActionResponse.model_validate(raw).updated_item
        if updated is not None and thread_id == self.state.thread_id:
            self.replace_item(updated)
        return updated

    def add_structured_input(
        self, item_id: str, submission: StructuredInputSubmission
    ) -> asyncio.Task[Turn]:
        """Start ``threads.add_structured_input``: the item is replaced, then the server
        responds."""
        return self._start(
            ThreadsAddStructuredInputReq(
                params=ThreadAddStructuredInputParams(
                    thread_id=self._open_thread_id(), item_id=item_id, input=submission
                )
            )
        )

    def replace_item(self, item: ThreadItem) -> None:
        """Show a replaced item outside the running response's stream."""
        event = ThreadItemReplacedEvent(item=item)
        self.state.apply(event)
        self.transport.push({"type": event.type, "item": self.state.item_json(item.id)})
        self.transport.flush()
        self._on_commit()

    def _open_thread_id(self) -> str:
        thread_id = self.state.thread_id
        if thread_id is None:
            raise ValueError("no thread is open: send a message or open a thread first")
        return thread_id

    def _start(self, request: BaseReq) -> asyncio.Task[Turn]:
        if self.is_responding:
            raise ChatBusyError(
                "a response is already running on this chat: await it, or call chat.cancel() first"
            )
        self._cancel_requested = False
        self._running = False
        self._creating = isinstance(request, ThreadsCreateReq)
        self._task = asyncio.get_running_loop().create_task(self._respond(request))
        self._task.add_done_callback(self._task_done)
        # Set before the first event so a cell can lock widgets as soon as send() returns.
        self._on_responding(True)
        return self._task

    def _task_done(self, task: asyncio.Task[Turn]) -> None:
        # Only if the task died without running (someone called task.cancel() directly
        # before its first step): never leave the chat locked.
        if task.cancelled() and not self._running:
            self._on_responding(False)

    async def _respond(self, request: BaseReq) -> Turn:
        self._running = True
        turn = Turn(thread_id=self.state.thread_id)
        self.last_error = None
        self._last_request = request
        self.notices = []
        self.dispatcher.round_trips = 0
        self.transport.push({"type": RESPONSE_START})
        self.hooks.fire("response_start")  # may itself call cancel()
        try:
            if self._cancel_requested:
                raise asyncio.CancelledError
            next_request: BaseReq | None = request
            while next_request is not None:
                self._drop_pending_calls_the_server_will_delete(next_request)
                await self._stream(next_request, turn)
                next_request = await self._client_tool_round_trip(turn)
        except asyncio.CancelledError:
            _uncancel()
            turn.cancelled = True
            try:
                # A pending client tool call that will never be answered: close it.
                await self._abandon_client_tool_call("cancelled by the user", turn)
                await self._follow_store(turn)
                if isinstance(request, ThreadsCreateReq):
                    await self._forget_empty_new_thread()
            except asyncio.CancelledError:
                _uncancel()  # a cancel from outside while closing it: the turn ends anyway
            except Exception:
                logger.exception("could not bring the chat in line with the store")
        except ClientToolLoopError as exc:
            logger.error("%s", exc)
            await self._abandon_client_tool_call(str(exc), turn)
            self._on_event(ErrorEvent(message=str(exc), allow_retry=False), None, turn)
        except Exception as exc:
            logger.exception("the response failed")
            self._on_event(
                ErrorEvent(
                    code=ErrorCode.STREAM_ERROR,
                    message=f"{type(exc).__name__}: {exc}",
                    allow_retry=True,
                ),
                None,
                turn,
            )
            if isinstance(request, ThreadsCreateReq):
                try:
                    await self._forget_empty_new_thread()
                except Exception:
                    logger.exception("could not delete the empty new thread")
        finally:
            self._end_response(turn)
        return turn

    async def _forget_empty_new_thread(self) -> None:
        """A new chat cancelled or failed before the user's message was stored: delete the
        empty thread it created (it would sit in the history as an empty "New chat") and show
        a new chat again."""
        thread_id = self.state.thread_id
        if thread_id is None or self.state.items:
            return
        page = await self.server.store.load_thread_items(thread_id, None, 1, "asc", self.context)
        if page.data:
            return
        await self.request(ThreadsDeleteReq(params=ThreadDeleteParams(thread_id=thread_id)))
        if self.last_error is not None and self.last_error.allow_retry:
            # Nothing is left to retry from: the error stays shown, without a Retry that
            # could only fail.
            self.last_error = self.last_error.model_copy(update={"allow_retry": False})
        self.state.reset(None, [], False)
        self.transport.snapshot(self.view_state())
        self._on_thread(None)
        self.hooks.fire("thread_change", None)

    def _end_response(self, turn: Turn) -> None:
        self._creating = False
        self._cancel_requested = False
        self._finish_pending(turn)
        turn.thread_id = self.state.thread_id
        self.progress = None
        self.stream_options = None
        self.transport.push({"type": RESPONSE_END})
        self.transport.flush()
        self._on_responding(False)
        self._on_commit()
        self.hooks.fire("response_end")

    def _finish_pending(self, turn: Turn) -> None:
        """Items still streaming when a response ends: on cancel the SDK stored non-empty
        assistant messages, so they stay; anything else was never stored and goes."""
        dropped = []
        for item_id in list(self.state.pending):
            item = self.state.item(item_id)
            if (
                turn.cancelled
                and isinstance(item, AssistantMessageItem)
                and any(part.text.strip() for part in item.content)
            ):
                self.state.pending.discard(item_id)
                self._record_item(turn, item)
            else:
                dropped.append(item_id)
        self._remove_items(dropped)

    async def _stream(self, request: BaseReq, turn: Turn) -> None:
        result = await self.server.process(request.model_dump_json(), self.context)
        if not isinstance(result, StreamingResult):
            raise TypeError(f"{request.type} did not stream")  # type: ignore[attr-defined]
        async for chunk in result:
            self._on_chunk(chunk, turn)

    def _on_chunk(self, chunk: bytes, turn: Turn) -> None:
        # Each chunk is one SSE frame: b"data: {json}\n\n".
        raw = from_json(chunk[6:])
        if raw["type"] == "thread.item.updated":
            update = raw["update"]
            if update["type"] == TEXT_DELTA:
                # The hot path, once per token: no validation, no re-serialization.
                item_id, index, delta = raw["item_id"], update["content_index"], update["delta"]
                self.state.apply_text_delta(item_id, index, delta)
                self.transport.push_text_delta(item_id, index, delta)
                return
        self._on_event(event_adapter.validate_python(raw), raw, turn)

    def _on_event(self, event: ThreadStreamEvent, raw: dict[str, Any] | None, turn: Turn) -> None:
        if isinstance(event, ClientEffectEvent) and event.name == TOOL_ERROR_EFFECT:
            self._on_tool_error(ToolError.from_effect(event), turn)
            return
        previous_thread = self.state.thread_id
        to_views = raw if raw is not None else event.model_dump(mode="json", exclude_none=True)
        if isinstance(event, ThreadItemDoneEvent) and event.item.id in self.state.pending:
            if self.state.item(event.item.id) == event.item:
                # Views streamed this exact item already: don't send its text a second time.
                to_views = {"type": ITEM_DONE, "item_id": event.item.id}
        self.state.apply(event, raw)
        match event:
            case ThreadItemDoneEvent() | ThreadItemReplacedEvent():
                self._record_item(turn, event.item)
            case ThreadItemRemovedEvent():
                turn.items = [i for i in turn.items if i.id != event.item_id]
            case ProgressUpdateEvent():
                self.progress = event
                turn.progress.append(event)
            case ClientEffectEvent():
                turn.effects.append(event)
                self.dispatcher.effect(event)
            case NoticeEvent():
                turn.notices.append(event)
                self.notices.append(to_views)
            case StreamOptionsEvent():
                self.stream_options = event.stream_options.model_dump()
            case ErrorEvent():
                turn.error = event
                self.last_error = event
                self.hooks.fire("error", event)
            case _:
                pass
        self.transport.push(to_views)
        if self.state.thread_id != previous_thread or event.type == "thread.updated":
            self._on_thread(self.state.thread)
            if self.state.thread_id != previous_thread:
                self.hooks.fire("thread_change", self.state.thread_id)
        if self._creating and self.state.thread_id is not None:
            self._creating = False
            if self._cancel_requested and self._task is not None:
                self._task.cancel()  # lands at the server's next await

    def _on_tool_error(self, error: ToolError, turn: Turn) -> None:
        # Logged with its traceback by the server; here it reaches the Turn and the views.
        turn.tool_errors.append(error)
        if self.tool_error_notices:
            self.notice(error.notice_markdown(), title=f"Tool {clip(error.tool, 80)} failed")

    def notice(self, message: str, *, level: str = "warning", title: str | None = None) -> None:
        """Show a notice in every view (and in views that attach before the next response)."""
        notice: dict[str, Any] = {"type": "notice", "level": level, "message": message}
        if title is not None:
            notice["title"] = title
        self.notices.append(notice)
        self.transport.push(notice)

    def _record_item(self, turn: Turn, item: ThreadItem) -> None:
        for index, seen in enumerate(turn.items):
            if seen.id == item.id:
                turn.items[index] = item
                return
        turn.items.append(item)

    def _remove_items(self, item_ids: list[str]) -> None:
        if item_ids:
            self.state.remove(item_ids)
            self.transport.push({"type": ITEMS_REMOVED, "item_ids": item_ids})

    async def _client_tool_round_trip(self, turn: Turn) -> BaseReq | None:
        """After a stream that ended on a pending client tool call, answer it in Python
        and return the request that resumes the run (``None``: the response is over)."""
        if turn.error is not None or self.state.thread is None or not self.state.items:
            return None
        last = self.state.item(next(reversed(self.state.items)))
        if not isinstance(last, ClientToolCallItem) or last.status != "pending":
            return None
        result = await self.dispatcher.client_tool(last)
        # The server stores the answered call but emits no event for it: show it here.
        answered = last.model_copy(update={"status": "completed", "output": result})
        self._on_event(ThreadItemReplacedEvent(item=answered), None, turn)
        return ThreadsAddClientToolOutputReq(
            params=ThreadAddClientToolOutputParams(thread_id=self.state.thread.id, result=result)
        )

    async def _follow_store(self, turn: Turn) -> None:
        """After a cancel, which may land between any two store writes of the server
        (before it told us, or before it did what we already showed, e.g. a retry's
        deletions): if the newest items differ from the store's, show the store's."""
        thread = self.state.thread
        if thread is None:
            return
        self._finish_pending(turn)
        page = await self._items_page(thread.id, after=None)
        stored = [item.id for item in reversed(page.data)]
        loaded = list(self.state.items)
        if loaded[-len(stored) :] == stored and (stored or not loaded):
            return
        self.state.reset(thread, list(reversed(page.data)), page.has_more)
        self.transport.snapshot(self.view_state())

    def _drop_pending_calls_the_server_will_delete(self, request: BaseReq) -> None:
        """When a client tool output arrives, the SDK completes the last pending call and
        deletes any other pending one without an event: drop those here and in every view."""
        if isinstance(request, ThreadsAddClientToolOutputReq):
            pending = [
                item.id
                for item in self.state.items.values()
                if isinstance(item, ClientToolCallItem)
                and item.status == "pending"
                and item.id not in self.state.pending
            ]
            self._remove_items(pending)

    async def _abandon_client_tool_call(self, reason: str, turn: Turn) -> None:
        """Close a pending call we will not resume, so it never dangles in the thread.

        The store decides: a cancel may land after the tool answered here (the chat shows
        the call completed) but before the server stored the answer."""
        thread_id = self.state.thread_id
        last = self.state.item(next(reversed(self.state.items))) if self.state.items else None
        if thread_id is None or not isinstance(last, ClientToolCallItem):
            return
        try:
            stored = await self.server.store.load_item(thread_id, last.id, self.context)
        except NotFoundError:
            return
        if not isinstance(stored, ClientToolCallItem) or stored.status != "pending":
            return
        if last.status == "completed":
            await self.server.store.save_item(thread_id, last, self.context)  # its answer
            return
        closed = last.model_copy(update={"status": "completed", "output": {"error": reason}})
        await self.server.store.save_item(thread_id, closed, self.context)
        self._on_event(ThreadItemReplacedEvent(item=closed), None, turn)

    # -- threads --------------------------------------------------------------------------

    async def request(self, request: BaseReq) -> Any:
        """A non-streaming ChatKit request; returns the decoded JSON answer."""
        result = await self.server.process(request.model_dump_json(), self.context)
        if not isinstance(result, NonStreamingResult):
            raise TypeError(f"{request.type} streamed")  # type: ignore[attr-defined]
        return json.loads(result.json)

    async def open_thread(self, thread_id: str) -> None:
        self._refuse_while_responding("open a thread")
        self.hooks.fire("thread_load_start", thread_id)
        try:
            raw_thread = await self.request(
                ThreadsGetByIdReq(params=ThreadGetByIdParams(thread_id=thread_id))
            )
            thread = ThreadMetadata.model_validate(
                {k: v for k, v in raw_thread.items() if k != "items"}
            )
            page = await self._items_page(thread_id, after=None)
            self._switch(thread, list(reversed(page.data)), page.has_more)
        except NotFoundError:
            raise KeyError(f"no thread with id {clip(repr(thread_id))}") from None
        finally:
            # After the thread is shown, and whatever the outcome: a notebook that showed
            # a spinner must hide it.
            self.hooks.fire("thread_load_end", thread_id)

    def new_thread(self) -> None:
        """Show an empty chat; the thread is created by the next message."""
        self._refuse_while_responding("start a new thread")
        self._switch(None, [], False)

    async def load_older(self) -> int:
        """Load the page of items before the oldest loaded one; returns how many."""
        thread_id = self.state.thread_id
        if thread_id is None or not self.state.has_more:
            return 0
        oldest = next(iter(self.state.items), None)
        page = await self._items_page(thread_id, after=oldest)
        self.state.prepend(list(reversed(page.data)), page.has_more)
        self.transport.snapshot(self.view_state())
        self._on_commit()
        return len(page.data)

    async def list_threads(self, limit: int = 20, after: str | None = None) -> Page[ThreadMetadata]:
        raw = await self.request(
            ThreadsListReq(params=ThreadListParams(limit=limit, after=after, order="desc"))
        )
        for thread in raw["data"]:
            thread.pop("items", None)
        return thread_page_adapter.validate_python(raw)

    async def rename_thread(self, thread_id: str, title: str) -> None:
        await self.request(
            ThreadsUpdateReq(params=ThreadUpdateParams(thread_id=thread_id, title=title))
        )
        if thread_id == self.state.thread_id and self.state.thread is not None:
            self.state.thread = self.state.thread.model_copy(update={"title": title})
            self.transport.push(
                {"type": "thread.updated", "thread": dump_thread(self.state.thread)}
            )
            self._on_thread(self.state.thread)

    async def delete_thread(self, thread_id: str) -> None:
        if thread_id == self.state.thread_id:
            self._refuse_while_responding("delete the open thread")
        await self.request(ThreadsDeleteReq(params=ThreadDeleteParams(thread_id=thread_id)))
        if thread_id == self.state.thread_id:
            self._switch(None, [], False)

    async def feedback(self, item_ids: list[str], kind: str) -> None:
        thread_id = self.state.thread_id
        if thread_id is None:
            raise ValueError("there is no thread to give feedback on")
        await self.request(
            ItemsFeedbackReq(
                params=ItemFeedbackParams(thread_id=thread_id, item_ids=item_ids, kind=kind)  # type: ignore[arg-type]
            )
        )
        self.hooks.fire("feedback", thread_id, item_ids, kind)

    async def _items_page(self, thread_id: str, after: str | None) -> Page[ThreadItem]:
        raw = await self.request(
            ItemsListReq(
                params=ItemsListParams(
                    thread_id=thread_id, limit=ITEMS_PAGE_SIZE, order="desc", after=after
                )
            )
        )
        return item_page_adapter.validate_python(raw)

    def _switch(
        self, thread: ThreadMetadata | None, items: list[ThreadItem], has_more: bool
    ) -> None:
        changed = thread is None or thread.id != self.state.thread_id
        self.state.reset(as_metadata(thread) if thread else None, items, has_more)
        self.last_error = None
        self.notices = []
        self.transport.snapshot(self.view_state())
        self._on_thread(self.state.thread)
        self._on_commit()
        if changed:
            self.hooks.fire("thread_change", self.state.thread_id)

    def _refuse_while_responding(self, what: str) -> None:
        if self.is_responding:
            raise ChatBusyError(
                f"cannot {what} while a response is running: call chat.cancel() first"
            )

    # -- views ----------------------------------------------------------------------------

    def view_state(self) -> ViewState:
        return {
            "thread": dump_thread(self.state.thread) if self.state.thread else None,
            "items": self.state.items_json(),
            "has_more": self.state.has_more,
            "responding": self.is_responding,
            "progress": self.progress.model_dump(mode="json", exclude_none=True)
            if self.progress
            else None,
            "stream_options": self.stream_options,
            "error": self.last_error.model_dump(mode="json", exclude_none=True)
            if self.last_error
            else None,
            "notices": list(self.notices),
        }
