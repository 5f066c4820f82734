"""The messages between the kernel-side widget and its browser views.

Declared once here; ``js/src/protocol.ts`` mirrors it. Bump ``PROTOCOL_VERSION`` on any
incompatible change: a view checks it against the ``_protocol_version`` trait.

Kernel → view (custom messages):

- ``batch``: ``{"type": "batch", "seq": n, "events": [...]}``. ``events`` are ChatKit
  ``ThreadStreamEvent`` JSON objects exactly as the server emits them (consecutive text
  deltas of one content part coalesced into one), plus the widget's own events below.
  ``seq`` grows by one per batch; a view that sees a gap sends ``sync``.
- ``snapshot``: ``{"type": "snapshot", "seq": n, "state": ViewState}``; replaces a view's
  state entirely. Sent in answer to ``sync``, and when the active thread changes.
- ``reply``: ``{"type": "reply", "request_id": id, "ok": bool, "result"|"error": ...}``;
  answers a view's ``request``, and a view's ``action`` / ``answer`` carrying a
  ``request_id`` once everything it started has ended (a streaming response can take
  minutes, so views wait for these replies without a timeout). Binary results (an
  attachment's bytes) travel as the message's buffers, never as base64 inside the JSON.
- ``composer``: ``{"type": "composer", "command": "set_value" | "focus", ...}``; the
  Python composer API (``set_composer_value``, ``focus_composer``) for every view.

The widget's own events (in batches, ordered with the ChatKit events):

- ``{"type": "widget.response_start"}`` / ``{"type": "widget.response_end"}``: one
  response, client tool round trips included.
- ``{"type": "widget.items_removed", "item_ids": [...]}``: items the server deleted
  without telling (``threads.retry_after_item``), or unfinished items dropped when a
  response ends (never stored by the server).
- ``{"type": "widget.item_done", "item_id": id}``: stands for ``thread.item.done`` when
  the finished item equals what the view streamed, so a long reply's text is not sent
  twice.

View → kernel: one of the ``ViewMessage`` models below; anything else is rejected with a
logged error. Requests that carry bytes (``upload_chunk``, ``transcribe``) send them as
the message's binary buffers; the JSON part stays small.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

PROTOCOL_VERSION = 3

# The ChatKit event that carries a streamed text fragment; the transport coalesces these.
TEXT_DELTA = "assistant_message.content_part.text_delta"

RESPONSE_START = "widget.response_start"
RESPONSE_END = "widget.response_end"
ITEMS_REMOVED = "widget.items_removed"
ITEM_DONE = "widget.item_done"


class ViewState(TypedDict):
    """Everything a view needs to draw the chat from nothing."""

    thread: dict[str, Any] | None  # ChatKit Thread JSON without items
    items: list[dict[str, Any]]  # ChatKit ThreadItem JSON, oldest first, unfinished included
    has_more: bool  # older items exist in the store (not loaded yet)
    responding: bool
    progress: dict[str, Any] | None  # the latest ProgressUpdateEvent of the running response
    stream_options: dict[str, Any] | None  # from the running response's StreamOptionsEvent
    error: dict[str, Any] | None  # the ErrorEvent that ended the last response, if any
    notices: list[dict[str, Any]]  # NoticeEvent JSON shown since the last response started


class BatchMessage(TypedDict):
    type: Literal["batch"]
    seq: int
    events: list[dict[str, Any]]


class SnapshotMessage(TypedDict):
    type: Literal["snapshot"]
    seq: int
    state: ViewState


class ComposerMessage(TypedDict, total=False):
    type: Literal["composer"]
    command: Literal["set_value", "focus"]
    text: str
    attachments: list[dict[str, Any]]  # Attachment JSON, already uploaded
    tool: str | None
    model: str | None


class ReplyMessage(TypedDict, total=False):
    type: Literal["reply"]
    request_id: str
    ok: bool
    result: Any
    error: str


class _ViewMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sync(_ViewMessage):
    """Ask for a snapshot (a view that attached late, or saw a gap in ``seq``)."""

    type: Literal["sync"]


class Send(_ViewMessage):
    """The user submitted the composer. ``content`` (text and ``input_tag`` parts, in
    order) replaces ``text`` when given; ``attachments`` are ids from ``attachment_create``
    whose bytes are all uploaded."""

    type: Literal["send"]
    text: str = ""
    content: list[dict[str, Any]] | None = None
    attachments: list[str] = Field(default_factory=list)
    quoted_text: str | None = None
    tool_choice: str | None = None
    model: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Send:
        if not self.text and not self.content and not self.attachments:
            raise ValueError("a message needs text, content or attachments")
        return self


class EntityClick(_ViewMessage):
    """The user clicked a tag or an entity source."""

    type: Literal["entity_click"]
    entity: dict[str, Any]


class Cancel(_ViewMessage):
    """The user pressed Stop."""

    type: Literal["cancel"]


class Retry(_ViewMessage):
    """Run again from a user message (``None``: the error banner's Retry, see
    ``ChatKitClient.retry_error``)."""

    type: Literal["retry"]
    item_id: str | None = None


class NewThread(_ViewMessage):
    type: Literal["new_thread"]


class OpenThread(_ViewMessage):
    type: Literal["open_thread"]
    thread_id: str


class Feedback(_ViewMessage):
    type: Literal["feedback"]
    item_ids: list[str]
    kind: Literal["positive", "negative"]


class Request(_ViewMessage):
    """A call that expects a ``reply`` (history listing, older items, rename, delete…;
    the composer's ``attachment_create``, ``upload_chunk``, ``upload_file``,
    ``upload_abandon``, ``attachment_delete``, ``attachment_bytes``, ``tag_search``,
    ``entity_preview``, ``transcribe``).

    ``upload_chunk`` carries one chunk as the message's buffer, at ``offset``. A view
    pipelines a file: every chunk names the same ``upload_id``, the first also carries
    ``name``, ``size`` and ``mime_type`` and creates the attachment (``attachments.create``),
    and no chunk waits for an answer; the replies carry ``received`` and the attachment.

    Where the Jupyter server has the ``chatkit_widget_uploads`` extension, the bytes go
    over HTTP instead: the view PUTs the file as ``file_id`` and at once sends
    ``upload_file`` (``file_id``, the server's ``marker``, ``name``, ``size``,
    ``mime_type``); the kernel creates the attachment, waits for the file and adopts it
    (``{"found", "adopted", "attachment"}``; ``found`` is false when the kernel does not
    see the server's files). ``upload_file`` with ``attachment_id`` and ``file_id`` adopts
    a file that came too late for the first request; ``upload_abandon`` (``file_id``)
    says the PUT failed."""

    type: Literal["request"]
    request_id: str
    method: str
    params: dict[str, Any] = Field(default_factory=dict)


class WidgetAction(_ViewMessage):
    """A widget's action fired (a click, a form submit, a changed select…).

    ``action`` is the widget's ChatKit ``ActionConfig`` JSON (``type``, ``payload``,
    ``handler``, ``loadingBehavior``, ``streaming``); ``item_id`` is the sending
    ``WidgetItem``. With a ``request_id``, a ``reply`` follows when the action's response
    (or Python handler) has ended, so the view can end its loading state.
    """

    type: Literal["action"]
    action: dict[str, Any]
    item_id: str | None = None
    request_id: str | None = None


class Answer(_ViewMessage):
    """Submit (or skip) a pending structured input: ``answers`` maps question ids to values."""

    type: Literal["answer"]
    item_id: str
    answers: dict[str, list[str]] = Field(default_factory=dict)
    skipped: bool = False
    request_id: str | None = None


ViewMessage = Annotated[
    Sync
    | Send
    | Cancel
    | Retry
    | NewThread
    | OpenThread
    | Feedback
    | EntityClick
    | Request
    | WidgetAction
    | Answer,
    Field(discriminator="type"),
]

view_message_adapter: TypeAdapter[ViewMessage] = TypeAdapter(ViewMessage)
