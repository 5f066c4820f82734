"""The active thread as the kernel-side client sees it: metadata and items, kept current
by applying ChatKit stream events (the same reducer ``js/src/state.ts`` runs in views)."""

from __future__ import annotations

from typing import Any

from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartAnnotationAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    GeneratedImageItem,
    GeneratedImageUpdated,
    Thread,
    ThreadCreatedEvent,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemRemovedEvent,
    ThreadItemReplacedEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    ThreadUpdatedEvent,
    WidgetItem,
    WidgetRootUpdated,
    WorkflowItem,
    WorkflowTaskAdded,
    WorkflowTaskUpdated,
)
from pydantic import TypeAdapter

item_adapter: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)


def dump_item(item: ThreadItem) -> dict[str, Any]:
    """Item JSON exactly as the server serializes it."""
    return item_adapter.dump_python(
        item, mode="json", by_alias=True, exclude_none=True, context={"exclude_metadata": True}
    )


def dump_thread(thread: ThreadMetadata) -> dict[str, Any]:
    """Thread JSON for views: what ChatKit.js gets, without items and server metadata."""
    return thread.model_dump(
        mode="json",
        exclude_none=True,
        include={"id", "title", "created_at", "status", "allowed_image_domains"},
    )


def as_metadata(thread: ThreadMetadata) -> ThreadMetadata:
    if isinstance(thread, Thread):
        return ThreadMetadata.model_validate(thread.model_dump(exclude={"items"}))
    return thread


class ThreadState:
    """Thread metadata plus items in display order; unfinished items are in ``pending``."""

    def __init__(self) -> None:
        self.thread: ThreadMetadata | None = None
        self.items: dict[str, ThreadItem] = {}
        self.pending: set[str] = set()
        self.has_more = False
        # JSON of unchanged items, so snapshots and the transcript trait don't re-serialize
        # a long thread after every response.
        self._json: dict[str, dict[str, Any]] = {}
        # Streamed text not yet joined into its item: appending to a growing str per token
        # is O(n^2) over a long reply, so parts are joined when someone reads the item.
        self._parts: dict[tuple[str, int], list[str]] = {}

    def reset(
        self, thread: ThreadMetadata | None, items: list[ThreadItem], has_more: bool = False
    ) -> None:
        self.thread = thread
        self.items = {item.id: item for item in items}
        self.pending = set()
        self.has_more = has_more
        self._json = {}
        self._parts = {}

    def prepend(self, older: list[ThreadItem], has_more: bool) -> None:
        """Add a page of older items (oldest first) in front of the loaded ones."""
        self.items = {**{item.id: item for item in older}, **self.items}
        self.has_more = has_more

    @property
    def thread_id(self) -> str | None:
        return self.thread.id if self.thread else None

    def item(self, item_id: str) -> ThreadItem:
        """An item with all its streamed text in place."""
        if self._parts:
            self._join_parts(item_id)
        return self.items[item_id]

    def all_items(self) -> list[ThreadItem]:
        if self._parts:
            for key in list(self._parts):
                self._join_parts(key[0])
        return list(self.items.values())

    def item_json(self, item_id: str) -> dict[str, Any]:
        cached = self._json.get(item_id)
        if cached is None:
            cached = self._json[item_id] = dump_item(self.item(item_id))
        return cached

    def items_json(self, *, finished_only: bool = False) -> list[dict[str, Any]]:
        # Once per response over the whole loaded thread: cached JSON read inline.
        # May run on a kernel subshell thread (a view's state request): iterate over a
        # snapshot of the ids, taken at once under the GIL.
        cache, pending = self._json, self.pending if finished_only else ()
        return [
            cache[item_id] if item_id in cache else self.item_json(item_id)
            for item_id in list(self.items)
            if item_id not in pending
        ]

    def remove(self, item_ids: list[str]) -> None:
        for item_id in item_ids:
            self._join_parts(item_id)
            self.items.pop(item_id, None)
            self.pending.discard(item_id)
            self._json.pop(item_id, None)

    # -- applying events ------------------------------------------------------------------

    def apply_text_delta(self, item_id: str, content_index: int, delta: str) -> None:
        """The hot path (one call per token): no validation, no copies."""
        parts = self._parts.get((item_id, content_index))
        if parts is not None:
            parts.append(delta)
        elif isinstance(self.items.get(item_id), AssistantMessageItem):
            self._parts[(item_id, content_index)] = [delta]
            self._json.pop(item_id, None)

    def _join_parts(self, item_id: str) -> None:
        item = self.items.get(item_id)
        for key in [k for k in self._parts if k[0] == item_id]:
            parts = self._parts.pop(key)
            if isinstance(item, AssistantMessageItem):
                content = _content_at(item, key[1])
                content.text += "".join(parts)

    def apply(self, event: ThreadStreamEvent, raw: dict[str, Any] | None = None) -> None:
        """Apply one validated event; ``raw`` is its JSON, cached for items it carries."""
        if self._parts:
            item_id = getattr(event, "item_id", None) or getattr(
                getattr(event, "item", None), "id", None
            )
            if item_id is not None:
                self._join_parts(item_id)  # before anything else touches that item
        match event:
            case ThreadCreatedEvent() | ThreadUpdatedEvent():
                self.thread = as_metadata(event.thread)
            case ThreadItemAddedEvent():
                self._put(event.item, raw)
                self.pending.add(event.item.id)
            case ThreadItemDoneEvent():
                self._put(event.item, raw)
                self.pending.discard(event.item.id)
            case ThreadItemReplacedEvent():
                self._put(event.item, raw)
            case ThreadItemRemovedEvent():
                self.remove([event.item_id])
            case ThreadItemUpdatedEvent():
                item = self.items.get(event.item_id)
                if item is not None:
                    _apply_update(item, event.update)
                    self._json.pop(item.id, None)
            case _:
                pass  # progress, effects, notices, errors, stream options: not thread state

    def _put(self, item: ThreadItem, raw: dict[str, Any] | None) -> None:
        self.items[item.id] = item
        if raw is not None and "item" in raw:
            self._json[item.id] = raw["item"]
        else:
            self._json.pop(item.id, None)


def _apply_update(item: ThreadItem, update: Any) -> None:
    match update:
        case AssistantMessageContentPartTextDelta() if isinstance(item, AssistantMessageItem):
            _content_at(item, update.content_index).text += update.delta
        case AssistantMessageContentPartAdded() | AssistantMessageContentPartDone() if isinstance(
            item, AssistantMessageItem
        ):
            _content_at(item, update.content_index)
            item.content[update.content_index] = update.content
        case AssistantMessageContentPartAnnotationAdded() if isinstance(item, AssistantMessageItem):
            annotations = _content_at(item, update.content_index).annotations
            annotations.insert(min(update.annotation_index, len(annotations)), update.annotation)
        case WorkflowTaskAdded() if isinstance(item, WorkflowItem):
            item.workflow.tasks.append(update.task)
        case WorkflowTaskUpdated() if isinstance(item, WorkflowItem):
            if update.task_index < len(item.workflow.tasks):
                item.workflow.tasks[update.task_index] = update.task
        case WidgetRootUpdated() if isinstance(item, WidgetItem):
            item.widget = update.widget
        case GeneratedImageUpdated() if isinstance(item, GeneratedImageItem):
            item.image = update.image
        case _:
            # Streaming widget text and component updates: the done event carries the
            # final widget, which is what the kernel needs.
            pass


def _content_at(item: AssistantMessageItem, index: int) -> AssistantMessageContent:
    while len(item.content) <= index:
        item.content.append(AssistantMessageContent(text=""))
    return item.content[index]
