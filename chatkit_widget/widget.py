"""``ChatKitWidget``: the anywidget whose kernel side is the ChatKit client of a server."""

from __future__ import annotations

import asyncio
import logging
import pathlib
import threading
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import anywidget
import traitlets
from chatkit.server import ChatKitServer
from chatkit.store import Store
from chatkit.types import ThreadItem, ThreadMetadata, UserMessageTextContent
from pydantic import BaseModel, ValidationError

from . import protocol
from .actions import ActionFailed, Actions
from .attachments import LocalAttachmentStore
from .client import ChatBusyError, ChatKitClient
from .composer import COMPOSER_METHODS, ComposerBackend, answer_composer
from .dispatch import Dispatcher
from .hooks import Hooks
from .keyframes import Keyframes
from .limits import DEFAULT_HISTORY_LIMIT, MAX_ECHO_CHARS, MAX_VIEW_MESSAGE_CHARS, clip, exceeds
from .options import check_options, document_options, unknown_attribute
from .saved_output import MAX_CHARS as SAVED_TRANSCRIPT_MAX_CHARS
from .saved_output import SavedTranscript
from .thread_state import dump_thread
from .tools import ClientTool
from .transcript import plain_text, to_markdown
from .transport import Transport
from .turn import ResponseCancelled, Turn

logger = logging.getLogger("chatkit_widget")

F = TypeVar("F", bound=Callable[..., Any])

_STATIC = pathlib.Path(__file__).parent / "static"
_MISSING_BUNDLE = """
export default { render({ el }) {
  el.textContent = "chatkit-widget: the view's JavaScript bundle is not built. "
    + "Install the package with `pip install .` (it runs the npm build).";
} };
"""


class _Constructed(type(anywidget.AnyWidget)):  # type: ignore[misc]
    """Marks a chat constructed once the outermost ``__init__`` returns (a subclass's
    included): from then on a new public attribute is a mistake (see ``__setattr__``)."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        chat = super().__call__(*args, **kwargs)
        chat._constructed = True
        return chat


class ChatKitWidget(anywidget.AnyWidget, metaclass=_Constructed):
    """A ChatKit chat in a notebook cell, driven by ``server`` running in this kernel.

    ``server`` is any ``chatkit.server.ChatKitServer`` (unchanged); ``context`` is passed
    to every server call. The chat also runs headless: ``turn = await chat.send("hi")``.
    """

    _esm = _STATIC / "widget.js" if (_STATIC / "widget.js").exists() else _MISSING_BUNDLE
    _css = _STATIC / "widget.css" if (_STATIC / "widget.css").exists() else ""

    _protocol_version = traitlets.Int(protocol.PROTOCOL_VERSION).tag(sync=True)

    thread_id = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    """The active thread's id (``None`` before the first message). Set it to open a thread."""
    is_responding = traitlets.Bool(False, read_only=True).tag(sync=True)
    """True from the start of a response to its end, client tool round trips included."""

    _thread = traitlets.Dict(None, allow_none=True).tag(sync=True)
    # Finished items of the active thread: what a reloaded page or a saved notebook shows
    # before the first snapshot arrives.
    _transcript: traitlets.List[dict[str, Any]] = traitlets.List().tag(sync=True)
    _transcript_stale = False  # finished items changed since _transcript was last built

    title = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    """Header title when the thread has none yet."""
    greeting = traitlets.Unicode("How can I help?").tag(sync=True)
    """Start-screen greeting."""
    prompts = traitlets.List(traitlets.Dict()).tag(sync=True)
    """Start-screen prompt chips: ``[{"label": ..., "prompt": ..., "icon": ...}]``."""
    placeholder = traitlets.Unicode("Message the assistant").tag(sync=True)
    """Composer placeholder."""
    disclaimer = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    """Markdown shown under the composer."""
    theme = traitlets.Enum(["auto", "light", "dark"], "auto").tag(sync=True)
    """``"auto"`` follows JupyterLab's light/dark theme."""
    height = traitlets.Unicode("560px").tag(sync=True)
    """CSS height of the chat (``"560px"``, ``"70vh"``), or ``"fill"`` (also ``"100%"``) to
    fill the panel it is shown in, e.g. JupyterLab's "Create New View for Output". The
    handle on the view's bottom edge resizes that view."""
    width = traitlets.Unicode("").tag(sync=True)
    """CSS width of the chat; empty: the width its container gives it (in an ``HBox``, the
    space its neighbours leave)."""
    min_width = traitlets.Unicode("300px").tag(sync=True)
    """The narrowest the chat gets, whatever its container (CSS length)."""
    history = traitlets.Bool(False).tag(sync=True)
    """Show the thread history panel."""
    history_delete = traitlets.Bool(True).tag(sync=True)
    """Offer Delete on threads in the history panel."""
    history_rename = traitlets.Bool(True).tag(sync=True)
    """Offer Rename on threads in the history panel."""
    retry = traitlets.Bool(True).tag(sync=True)
    """Offer Retry on errors and assistant messages."""
    feedback = traitlets.Bool(False).tag(sync=True)
    """Offer thumbs up/down on assistant messages."""
    tool_error_notices = traitlets.Bool(True)
    """Show a warning notice in the chat when a server tool raises (it is also logged
    and recorded in ``Turn.tool_errors`` either way)."""

    # The composer (ChatKit.js ``composer.*`` and ``entities`` options). All off by default.
    attachments = traitlets.Any(None, allow_none=True).tag(sync=True)
    """``{"enabled": True, "max_size": bytes, "max_count": n, "accept": {"image/*":
    [".png"]}}`` (or ``True``): a paperclip, drag and drop, paste. The server needs an
    ``AttachmentStore`` (``from_agent`` brings ``LocalAttachmentStore``)."""
    tools = traitlets.List(traitlets.Dict()).tag(sync=True)
    """Tool picker: ``[{"id", "label", "icon", "short_label", "placeholder_override",
    "pinned", "persistent"}]``; the choice is sent as ``inference_options.tool_choice``."""
    models = traitlets.List(traitlets.Dict()).tag(sync=True)
    """Model picker: ``[{"id", "label", "description", "default", "disabled"}]``; sent as
    ``inference_options.model``."""
    dictation = traitlets.Bool(False).tag(sync=True)
    """A microphone button; the server must implement ``transcribe``."""
    tag_search = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    """``"variables"``: ``@`` offers the notebook's DataFrames, arrays, figures and
    functions (besides ``@chat.on_tag_search`` results)."""
    # Which entity handlers exist (set by the decorators): the view opens the @ menu,
    # makes tags clickable and asks for previews only when Python answers.
    _entities = traitlets.Dict().tag(sync=True)

    _constructed = False

    def __setattr__(self, name: str, value: Any) -> None:
        # `chat.placeholdr = "x"` would silently add an attribute nothing reads: refuse it
        # as the constructor refuses the keyword. Private names are the widget machinery's
        # (traitlets, ipywidgets, ours), and anything the class or instance already has
        # (options, state, methods, a subclass's own attributes) is assigned as usual.
        if (
            self._constructed
            and not name.startswith("_")
            and name not in self.__dict__
            and not hasattr(type(self), name)
        ):
            raise unknown_attribute(type(self), ChatKitWidget, name)
        super().__setattr__(name, value)

    def __init__(
        self,
        server: ChatKitServer[Any],
        context: Any = None,
        *,
        initial_thread: str | None = None,
        **options: Any,
    ) -> None:
        """Args:
            server: The ``ChatKitServer`` that answers (runs in this kernel).
            context: Passed to every server call (default ``{}``).
            initial_thread: A thread id to open, ``"latest"`` for the newest thread in
                the store (re-running a notebook shows the conversation it had), or
                ``None`` for a new chat. A thread that does not exist gives a new chat,
                a logged warning and a notice in the view.
            **options: The options listed in the class docstring (``greeting``, …).

        Raises:
            TypeError: ``server`` is not a ``ChatKitServer`` instance, or an option is
                unknown (the message suggests the closest name).
        """
        if isinstance(server, type) and issubclass(server, ChatKitServer):
            raise TypeError(
                f"ChatKitWidget expects a ChatKitServer instance, got the class "
                f"{server.__name__}: construct it with a store, e.g. "
                f"{server.__name__}(SQLiteStore('chats.db'))"
            )
        if not isinstance(server, ChatKitServer):
            raise TypeError(
                "ChatKitWidget expects a chatkit.server.ChatKitServer instance (an "
                f"ordinary ChatKitServer subclass), got {type(server).__name__}"
            )
        check_options(type(self), ChatKitWidget, options, ["context", "initial_thread"])
        super().__init__(**options)
        self.server = server
        self.context = {} if context is None else context
        self._hooks = Hooks()
        self._dispatcher = Dispatcher(report=self._report)
        self._transport = Transport(self._send_to_views)
        self._client = ChatKitClient(
            server,
            self.context,
            self._transport,
            self._hooks,
            self._dispatcher,
            on_thread=self._thread_changed,
            on_responding=lambda value: self.set_trait("is_responding", value),
            on_commit=self._commit,
        )
        self._actions = Actions(self._client)
        # Hosts that take up view messages only between cells (marimo) get keyframes.
        self._keyframes = Keyframes(self._client, self._send_to_views)
        self._hooks.add("response_start", self._keyframes.response_started)
        self._hooks.add("response_end", self._keyframes.response_ended)
        self._loop = _current_loop()
        self._loop_thread = threading.get_ident()
        self._opening_thread = False
        self._saved = SavedTranscript(
            f"chatkit-transcript-{self.model_id}",
            self._fallback_markdown,
            lambda: self.is_responding,
        )
        self._initial_load: asyncio.Task[None] | None = None
        self._deferred_load: Callable[[], Any] | None = None
        if initial_thread is not None:
            self._initial_load = self._start_initial_load(initial_thread)
        self._client.tool_error_notices = self.tool_error_notices
        self._composer = ComposerBackend(self._client, self._composer_options)
        self.on_msg(self._on_view_message)

    @traitlets.validate("attachments")
    def _valid_attachments(self, proposal: dict[str, Any]) -> dict[str, Any] | None:
        value = proposal["value"]
        if value is None or value is False:
            return None
        if value is True:
            return {"enabled": True}
        if not isinstance(value, dict):
            raise traitlets.TraitError("attachments is True, None or a dict of options")
        return {"enabled": True, **value}

    def _composer_options(self) -> dict[str, Any]:
        return {
            "attachments": self.attachments,
            "tools": self.tools,
            "models": self.models,
            "tag_search": self.tag_search,
        }

    def _start_initial_load(self, initial_thread: str) -> asyncio.Task[None] | None:
        async def load() -> None:
            thread_id: str | None = initial_thread
            if initial_thread == "latest":
                newest = await self._client.list_threads(limit=1)
                thread_id = newest.data[0].id if newest.data else None
            if thread_id is None:
                return
            try:
                await self._client.open_thread(thread_id)
            except KeyError:
                # The view and headless send() alike go on with a new chat, and say so.
                logger.warning("Thread %r not found; starting a new chat.", thread_id)
                self._report(f"Thread `{thread_id}` not found; starting a new chat.")

        try:
            return asyncio.get_running_loop().create_task(load())
        except RuntimeError:
            # No running loop yet (a plain script): the first awaited call loads it.
            self._deferred_load = load
            return None

    async def ready(self) -> None:
        """Wait until the ``initial_thread`` is open (awaited calls do this for you)."""
        if self._initial_load is None and self._deferred_load is not None:
            self._initial_load = asyncio.get_running_loop().create_task(self._deferred_load())
            self._deferred_load = None
        if self._initial_load is not None:
            task, self._initial_load = self._initial_load, None
            await task

    @classmethod
    def from_agent(
        cls,
        agent: Any,
        *,
        store: Store[Any] | None = None,
        context: Any = None,
        title_model: Any = None,
        history_limit: int | None = DEFAULT_HISTORY_LIMIT,
        **options: Any,
    ) -> ChatKitWidget:
        """A chat whose server (``AgentServer``) runs an Agents SDK ``agent``;
        ``@chat.client_tool`` handlers become tools the model can call.

        Args:
            agent: The agent; give it ``model=default_model()`` for the offline demo
                model without ``OPENAI_API_KEY`` and a real model with one.
            store: Where threads live (default: a ``MemoryStore``).
            context: As for the constructor.
            title_model: Model that titles new threads (see ``AgentServer``).
            history_limit: How many of the thread's newest items the model sees each
                turn (``None``: all; see ``AgentServer``).
            **options: The options listed in the class docstring, and ``initial_thread``.
        """
        from .agents import AgentServer
        from .stores import MemoryStore

        tools: dict[str, ClientTool] = {}
        store = store if store is not None else MemoryStore()
        server = AgentServer(
            agent,
            store,
            client_tools=tools,
            title_model=title_model,
            attachment_store=LocalAttachmentStore.beside(store),
            history_limit=history_limit,
        )
        chat = cls(server, context, **options)
        # The server reads this live mapping at every response.
        chat._dispatcher.tools = tools
        return chat

    # -- headless driving -----------------------------------------------------------------

    async def send(
        self,
        text: str = "",
        *,
        attachments: Any = None,
        tags: list[Any] | None = None,
        quoted_text: str | None = None,
        tool_choice: str | None = None,
        model: str | None = None,
    ) -> Turn:
        """Send a user message and wait for the whole response.

        ``attachments``: paths, ``(name, bytes)``, pandas DataFrames (CSV), matplotlib or
        plotly figures (PNG), or ``(name, DataFrame | figure)``. ``tags``: entity dicts
        (``{"id", "title", "data"}``) or notebook variable names; a tag whose ``@title``
        is in the text takes its place. ``tool_choice`` / ``model``: ids from the
        ``tools`` / ``models`` options (any id when those are not set). Bad input raises
        ``ValueError`` and nothing is sent.

        (This replaces ipywidgets' ``Widget.send``, which sends a raw custom message.)
        """
        self._bind_loop()
        await self.ready()
        composer = self._composer
        if self._client.is_responding:
            raise ChatBusyError(
                "a response is already running on this chat: await it, or call chat.cancel() first"
            )
        content = composer.content(text, tags)
        options = composer.inference_options(tool_choice, model)
        uploads = composer.prepare_uploads(attachments)
        if not uploads and not any(
            not isinstance(p, UserMessageTextContent) or p.text.strip() for p in content
        ):
            raise ValueError("send() needs a non-empty message text")
        ids = await composer.upload(uploads)
        try:
            task = self._client.send(
                text,
                content=content,
                attachments=ids,
                quoted_text=quoted_text,
                inference_options=options,
            )
        except BaseException:
            for attachment_id in ids:
                await composer.delete(attachment_id)
            raise
        composer.sent(ids)
        return await self._await(task)

    async def retry_after_item(self, item_id: str | None = None) -> Turn:
        """Run again from a user message (default: the last one); later items go.

        (ChatKit's ``threads.retry_after_item``; the ``retry`` trait is the view option.)
        """
        self._bind_loop()
        await self.ready()
        return await self._await(self._client.retry(item_id))

    async def send_feedback(self, item_ids: list[str], kind: str) -> None:
        """Thumbs up (``"positive"``) or down (``"negative"``) on items of the active thread."""
        await self._client.feedback(item_ids, kind)

    async def send_action(
        self,
        type: str,
        payload: Any = None,
        *,
        item_id: str | None = None,
        streaming: bool = True,
    ) -> Turn:
        """Send a custom action to the server (ChatKit.js's ``sendCustomAction``).

        ``item_id``: the sending widget item, passed to ``server.action()`` as ``sender``.
        ``streaming=False`` calls ``server.sync_action()`` instead; its updated item
        replaces that item in place (allowed while another response runs).
        """
        self._bind_loop()
        await self.ready()
        return await self._actions.send(type, payload, item_id=item_id, streaming=streaming)

    async def perform_action(
        self, action: dict[str, Any] | BaseModel, *, item_id: str | None = None
    ) -> None:
        """Run a widget's action as if the user clicked it in a view: ``action`` is its
        ``ActionConfig`` (or that JSON), routed by ``handler`` and ``streaming`` exactly as a
        click is. For headless runs (tests, scripts, notebooks run by nbval); raises
        ``ActionFailed`` where a view would show a notice."""
        self._bind_loop()
        await self.ready()
        config = action.model_dump() if isinstance(action, BaseModel) else dict(action)
        await self._actions.from_view(config, item_id)

    def on_action(self, type: str) -> Callable[[F], F]:
        """Decorator: ``handler(action, sender)`` runs for widget actions of ``type`` whose
        ``handler`` is ``"client"`` (ChatKit.js's ``widgets.onAction``); ``sender`` is the
        ``WidgetItem`` that fired it. May be async, and may chain to the server with
        ``await chat.send_action(...)``."""
        return self._actions.on_action(type)

    async def answer(
        self,
        item_id: str,
        answers: dict[str, str | list[str]] | None = None,
        *,
        skip: bool = False,
    ) -> Turn:
        """Answer a pending structured input (``{question_id: value(s)}``), or skip it;
        returns the server's continued response."""
        self._bind_loop()
        await self.ready()
        return await self._actions.answer(item_id, answers, skip=skip)

    def cancel(self) -> bool:
        """Stop the running response; returns whether one was running. Safe at any point
        of it: ``await chat.send(...)`` then returns a ``Turn`` with ``cancelled=True``,
        response start and end hooks fire in pairs and the chat unlocks. The SDK keeps the
        partial text; a client tool call in progress is closed as cancelled. A new chat
        cancelled before its first message is stored leaves no empty thread behind."""
        return self._client.cancel()

    async def _await(self, task: asyncio.Task[Turn]) -> Turn:
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            # The caller gave up (Kernel → Interrupt cancels the cell's task): stop the
            # response the way Stop does, so it still ends properly (hooks, unlock), and
            # end the cell with one short line instead of a CancelledError traceback.
            if not task.done():
                self._client.cancel()
            turn: Turn | None = None
            try:
                turn = await task
            except asyncio.CancelledError:
                pass  # cancelled again while it was ending: nothing more to wait for
            raise ResponseCancelled(turn) from None

    # -- threads --------------------------------------------------------------------------

    @property
    def items(self) -> list[ThreadItem]:
        """The active thread's loaded items, oldest first."""
        return self._client.state.all_items()

    @property
    def thread(self) -> ThreadMetadata | None:
        """The active thread's metadata (title, status…); ``None`` before the first message."""
        return self._client.state.thread

    async def open_thread(self, thread_id: str) -> None:
        """Show an existing thread (its newest page of items)."""
        self._bind_loop()
        await self.ready()
        await self._client.open_thread(thread_id)

    async def new_thread(self) -> None:
        """Start over with an empty chat; the next message creates the thread."""
        self._client.new_thread()

    async def threads(self, limit: int = 20, after: str | None = None) -> list[ThreadMetadata]:
        """Threads in the store, newest first."""
        return (await self._client.list_threads(limit, after)).data

    async def rename_thread(self, thread_id: str, title: str) -> None:
        """Set a thread's title (in the store, the header and the history panel)."""
        await self._client.rename_thread(thread_id, title)

    async def delete_thread(self, thread_id: str) -> None:
        """Delete a thread from the store; deleting the open one shows a new chat."""
        await self._client.delete_thread(thread_id)

    async def load_older(self) -> int:
        """Load the previous page of the active thread's items; returns how many."""
        return await self._client.load_older()

    def to_markdown(self) -> str:
        """The active thread as Markdown (safe to render as trusted HTML): messages,
        tool calls, widgets, workflows, attachments and sources in readable form."""
        return to_markdown(self._client.state.thread, self.items, default_title=self.title)

    # -- Python handlers (ChatKit.js names in snake_case) ---------------------------------

    def on_effect(self, name: str) -> Callable[[F], F]:
        """Decorator: ``handler(data)`` runs for each client effect ``name``."""

        def register(fn: F) -> F:
            self._dispatcher.effects[name] = fn
            return fn

        return register

    def client_tool(self, name: str, description: str | None = None) -> Callable[[F], F]:
        """Decorator: ``handler(params)`` answers the client tool ``name``."""

        def register(fn: F) -> F:
            self._dispatcher.tools[name] = ClientTool.from_handler(name, fn, description)
            return fn

        return register

    def on_tag_search(self, fn: F) -> F:
        """``fn(query) -> [{"id", "title", "icon", "group", "data"}]``: the @ menu."""
        self._composer.tag_search = fn
        self._entities = {**self._entities, "tag_search": True}
        return fn

    def on_entity_click(self, fn: F) -> F:
        """``fn(entity)`` when a tag or an entity source is clicked."""
        self._composer.entity_click = fn
        self._entities = {**self._entities, "click": True}
        return fn

    def on_entity_preview(self, fn: F) -> F:
        """``fn(entity) -> Basic widget | None``: shown when hovering a tag or source."""
        self._composer.entity_preview = fn
        self._entities = {**self._entities, "preview": True}
        return fn

    # -- composer API (ChatKit.js setComposerValue / focusComposer) -----------------------

    def set_composer_value(
        self,
        text: str,
        *,
        attachments: Any = None,
        tool: str | None = None,
        model: str | None = None,
    ) -> None:
        """Fill every view's composer (the user still sends). ``attachments`` as for
        ``send``; they are uploaded now. Needs a running loop when attachments are given."""
        composer = self._composer
        options = composer.inference_options(tool, model)
        uploads = composer.prepare_uploads(attachments)
        message: dict[str, Any] = {
            "type": "composer",
            "command": "set_value",
            "text": text,
            "tool": tool,
            "model": options.model if model is not None else None,
        }
        if not uploads:
            self._send_to_views({**message, "attachments": []})
            return

        async def upload_then_fill() -> None:
            ids = await composer.upload(uploads)
            store = self.server.store
            found = [await store.load_attachment(i, self.context) for i in ids]
            message["attachments"] = [a.model_dump(mode="json", exclude_none=True) for a in found]
            self._send_to_views(message)

        self._spawn(upload_then_fill(), "attach files to the composer")

    def focus_composer(self) -> None:
        """Put the keyboard focus in the composer of the view(s)."""
        self._send_to_views({"type": "composer", "command": "focus"})

    @property
    def max_client_tool_round_trips(self) -> int:
        """Client tool round trips allowed in one response before it stops with an error."""
        return self._dispatcher.max_round_trips

    @max_client_tool_round_trips.setter
    def max_client_tool_round_trips(self, value: int) -> None:
        self._dispatcher.max_round_trips = value

    def on_response_start(self, fn: F) -> F:
        """``fn()`` when a response starts (from the composer or ``send``)."""
        return self._hooks.add("response_start", fn)  # type: ignore[return-value]

    def on_response_end(self, fn: F) -> F:
        """``fn()`` when a response ends, however it ends (done, error, cancelled)."""
        return self._hooks.add("response_end", fn)  # type: ignore[return-value]

    def on_error(self, fn: F) -> F:
        """``fn(error)`` with the ``ErrorEvent`` of a failed response."""
        return self._hooks.add("error", fn)  # type: ignore[return-value]

    def on_thread_change(self, fn: F) -> F:
        """``fn(thread_id)`` when the active thread changes (``None``: no thread)."""
        return self._hooks.add("thread_change", fn)  # type: ignore[return-value]

    def on_thread_load_start(self, fn: F) -> F:
        """``fn(thread_id)`` before a thread's items are loaded."""
        return self._hooks.add("thread_load_start", fn)  # type: ignore[return-value]

    def on_thread_load_end(self, fn: F) -> F:
        """``fn(thread_id)`` after a thread is loaded (also when loading failed)."""
        return self._hooks.add("thread_load_end", fn)  # type: ignore[return-value]

    def on_feedback(self, fn: F) -> F:
        """``fn(thread_id, item_ids, kind)`` after feedback is stored."""
        return self._hooks.add("feedback", fn)  # type: ignore[return-value]

    # -- kernel state → traits ------------------------------------------------------------

    def _thread_changed(self, thread: ThreadMetadata | None) -> None:
        # traitlets' stubs type Dict traits without None, though allow_none=True takes it.
        self._thread = dump_thread(thread) if thread else None  # type: ignore[assignment]
        self._opening_thread = True  # our own write: not a request to open a thread
        try:
            self.thread_id = thread.id if thread else None
        finally:
            self._opening_thread = False

    def _commit(self) -> None:
        # No trait sync: live views already have every item from the stream (and keep their
        # own copy of this trait current, for saved notebooks). Rebuilding the list here
        # would cost O(thread) per response, so it is rebuilt when the state is read (a
        # reloaded page's state request, a saved notebook): see get_state.
        self._transcript_stale = True
        self._refresh_display()

    def get_state(self, key: Any = None, drop_defaults: bool = False) -> dict[str, Any]:
        """The synced state, with ``_transcript`` brought up to date if it is asked for."""
        keys = self.keys if key is None else [key] if isinstance(key, str) else key
        if self._transcript_stale and "_transcript" in keys:
            self._transcript_stale = False
            # In place: the same list object, as views and the saved state expect.
            self._transcript[:] = self._client.state.items_json(finished_only=True)
        return super().get_state(key, drop_defaults)  # type: ignore[no-any-return]

    @traitlets.observe("tool_error_notices")
    def _tool_error_notices_set(self, change: dict[str, Any]) -> None:
        if hasattr(self, "_client"):
            self._client.tool_error_notices = change["new"]

    @traitlets.observe("thread_id")
    def _thread_id_set(self, change: dict[str, Any]) -> None:
        if self._opening_thread or change["new"] == self._client.state.thread_id:
            return
        new, old = change["new"], change["old"]
        loop = self._loop or _current_loop()

        async def open_or_revert() -> None:
            try:
                if new is None:
                    self._client.new_thread()
                else:
                    await self._client.open_thread(new)
            except Exception as exc:
                logger.error("could not open thread %s: %s", clip(repr(new)), clip(str(exc)))
                self._report(f"Could not open thread {clip(repr(new))}: {clip(str(exc))}")
                self._thread_changed(self._client.state.thread if old else None)

        if loop is None:
            raise RuntimeError("setting thread_id needs a running event loop; use open_thread()")
        loop.create_task(open_or_revert())

    # -- views ----------------------------------------------------------------------------

    def _send_to_views(self, message: dict[str, Any]) -> None:
        # ``send`` is the chat's API here, so custom messages go through ipywidgets' own
        # lower-level sender (what ``Widget.send`` does).
        self._send({"method": "custom", "content": message})

    def _report(self, message: str) -> None:
        """Show a problem to the user in every view (a warning notice), in brief: it may
        quote untrusted input."""
        self._client.notice(clip(message, 2 * MAX_ECHO_CHARS))

    def _on_view_message(self, _widget: Any, content: Any, buffers: Any) -> None:
        # May run on a kernel subshell thread: validate here, act on the loop's thread.
        loop = self._loop or _current_loop()
        size = exceeds(content)
        if size is not None:
            # Refused unread; logged and reported without the content.
            logger.error(
                "refused a view message of about %s characters (limit %s)",
                f"{size:,}",
                f"{MAX_VIEW_MESSAGE_CHARS:,}",
            )
            if loop is not None:
                loop.call_soon_threadsafe(
                    self._report_now,
                    f"A message from the chat view was too large (about {size:,} characters; "
                    f"the limit is {MAX_VIEW_MESSAGE_CHARS:,}) and was ignored.",
                )
                self._refuse_reply(loop, content, "message too large")
            return
        try:
            message = protocol.view_message_adapter.validate_python(content)
        except ValidationError as exc:
            errors = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'message'}: {e['msg']}"
                for e in exc.errors(include_input=False)[:5]
            )
            logger.error(
                "rejected a malformed message from a view: %s (%s)", clip(content), clip(errors)
            )
            if loop is not None:
                self._refuse_reply(loop, content, "malformed message")
            return
        if loop is None:
            logger.error("no event loop to handle %s", clip(content))
            return
        # Binary buffers (uploads, audio) are memoryviews of the received frames: passed
        # on as they are, never copied here.
        # Only messages that carry bytes pass them: the one-argument call stays as it was.
        args = (message, list(buffers)) if buffers else (message,)
        if threading.get_ident() == self._loop_thread and loop.is_running():
            self._handle_view_message(*args)
        else:
            loop.call_soon_threadsafe(self._handle_view_message, *args)

    def _refuse_reply(self, loop: asyncio.AbstractEventLoop, content: Any, error: str) -> None:
        """A refused message that expected a reply still gets one: the view waits for it
        (without a timeout, for actions) to end a loading state."""
        request_id = content.get("request_id") if isinstance(content, dict) else None
        if isinstance(request_id, str) and len(request_id) <= 100:
            reply = {"type": "reply", "request_id": request_id, "ok": False, "error": error}
            loop.call_soon_threadsafe(self._send_to_views, reply)

    def _handle_view_message(
        self, message: protocol.ViewMessage, buffers: list[Any] | None = None
    ) -> None:
        client = self._client
        try:
            match message:
                case protocol.Sync():
                    self._transport.snapshot(client.view_state())
                case protocol.Send():
                    self._send_from_view(message)
                case protocol.EntityClick(entity=entity):
                    self._spawn(self._composer.click(entity), "handle the entity click")
                case protocol.Cancel():
                    client.cancel()
                case protocol.Retry(item_id=None):
                    _log_failure(client.retry_error())  # the error banner's Retry
                case protocol.Retry(item_id=item_id):
                    _log_failure(client.retry(item_id))
                case protocol.NewThread():
                    client.new_thread()
                case protocol.OpenThread(thread_id=thread_id):
                    what = f"open thread {clip(repr(thread_id))}"
                    self._spawn(client.open_thread(thread_id), what)
                case protocol.Feedback(item_ids=item_ids, kind=kind):
                    self._spawn(client.feedback(item_ids, kind), "store feedback")
                case protocol.Request():
                    self._spawn(self._answer(message, buffers or []), f"answer {message.method!r}")
                case protocol.WidgetAction(action=action, item_id=item_id):
                    self._spawn_replying(
                        self._actions.from_view(action, item_id),
                        message.request_id,
                        f"run the action {clip(repr(action.get('type')))}",
                    )
                case protocol.Answer(item_id=item_id, answers=answers, skipped=skipped):
                    self._spawn_replying(
                        self._actions.answer(item_id, None if skipped else answers, skip=skipped),
                        message.request_id,
                        "submit the answers",
                    )
        except (ChatBusyError, ValueError) as exc:
            self._report_now(str(exc))

    def _report_now(self, message: str) -> None:
        self._report(message)
        self._transport.flush()

    def _send_from_view(self, message: protocol.Send) -> None:
        composer = self._composer
        content = composer.parse_content(message.content) if message.content is not None else None
        options = composer.inference_options(message.tool_choice, message.model)
        composer.check_attachments(message.attachments)
        _log_failure(
            self._client.send(
                message.text,
                content=content,
                attachments=message.attachments,
                quoted_text=message.quoted_text,
                inference_options=options,
            )
        )
        composer.sent(message.attachments)

    async def _answer(self, request: protocol.Request, buffers: list[Any] | None = None) -> None:
        client, params = self._client, request.params
        out_buffers: list[Any] | None = None
        try:
            match request.method:
                case "list_threads":
                    page = await client.list_threads(params.get("limit", 20), params.get("after"))
                    result: Any = {
                        "data": [dump_thread(t) for t in page.data],
                        "has_more": page.has_more,
                        "after": page.after,
                    }
                case "load_older":
                    result = {"loaded": await client.load_older()}
                case "rename_thread":
                    await client.rename_thread(params["thread_id"], params["title"])
                    result = None
                case "delete_thread":
                    await client.delete_thread(params["thread_id"])
                    result = None
                case method if method in COMPOSER_METHODS:
                    result, out_buffers = await answer_composer(
                        self._composer, self.server, self.context, method, params, buffers or []
                    )
                case _:
                    raise ValueError(f"unknown request method {clip(repr(request.method))}")
        except Exception as exc:
            error = clip(f"{type(exc).__name__}: {exc}")
            logger.error("view request %s failed: %s", clip(repr(request.method)), error)
            self._send_to_views(
                {
                    "type": "reply",
                    "request_id": clip(request.request_id, 100),
                    "ok": False,
                    "error": error,
                }
            )
            return
        self._send(
            {
                "method": "custom",
                "content": {
                    "type": "reply",
                    "request_id": request.request_id,
                    "ok": True,
                    "result": result,
                },
            },
            buffers=out_buffers,
        )

    def _spawn(self, coro: Any, what: str) -> None:
        async def run() -> None:
            try:
                await coro
            except Exception as exc:
                logger.error("could not %s: %s", what, clip(str(exc)))
                self._report_now(f"Could not {what}: {clip(str(exc))}")

        asyncio.get_running_loop().create_task(run())

    def _spawn_replying(self, coro: Any, request_id: str | None, what: str) -> None:
        """Run ``coro``; then reply to ``request_id`` (the view's loading state ends)."""

        async def run() -> None:
            reply: dict[str, Any] = {"type": "reply", "request_id": request_id, "ok": True}
            try:
                await coro
            except ActionFailed as exc:  # logged where it happened
                self._report(str(exc))
                reply = {**reply, "ok": False, "error": str(exc)}
            except Exception as exc:
                text = clip(str(exc))  # may echo what a view sent
                logger.error("could not %s: %s", what, text)
                self._report(f"Could not {what}: {text}")
                reply = {**reply, "ok": False, "error": f"{type(exc).__name__}: {text}"}
            finally:
                self._transport.flush()
                if request_id is not None:
                    self._send_to_views(reply)

        asyncio.get_running_loop().create_task(run())

    def _bind_loop(self) -> None:
        """Headless use: the loop is the one that awaits us (e.g. ``asyncio.run``)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._loop_thread = loop, threading.get_ident()

    def __repr__(self) -> str:
        # Server text (the id) is untrusted on a text/plain output too: no control codes.
        thread_id = None if self.thread_id is None else plain_text(self.thread_id, 60)
        return f"ChatKitWidget(thread_id={thread_id!r}, items={len(self._client.state.items)})"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # Places that cannot run the view (nbviewer, GitHub, a terminal, a Jupyter without
        # the widgets frontend) get the conversation as Markdown; Jupyter frontends prefer
        # the widget view. JupyterLab renders this Markdown as trusted HTML: to_markdown()
        # makes every piece of model and server text inert (transcript.py).
        if self._keyframes.enabled:
            # marimo sends a model's state once, when the widget is made, and calls this when
            # it first displays it: a view starts from that state and follows keyframes only
            # from its last item on (keyframes.py), so bring the committed thread up to date.
            self._transcript_stale = False
            self._transcript = self._client.state.items_json(finished_only=True)
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict):
            data["text/markdown"] = self._fallback_markdown()
        return bundle

    def _fallback_markdown(self) -> str:
        if self._client.state.items:
            # Bounded: JupyterLab re-renders this Markdown (hidden or not) on every update,
            # and a 1,000-item thread took ~380 ms of parsing plus GC pauses per reply.
            return to_markdown(
                self._client.state.thread,
                self.items,
                default_title=self.title,
                max_chars=SAVED_TRANSCRIPT_MAX_CHARS,
            )
        return (
            "*A ChatKit chat, empty so far. If Jupyter shows this text instead of "
            "the chat, run the cell (a saved notebook shows its widgets only once trusted: "
            "Trust Notebook in the command palette); if it still shows, the widgets "
            "frontend is missing: run `pip install jupyterlab_widgets anywidget` in the "
            "environment that runs Jupyter, then reload the page.*"
        )

    def _ipython_display_(self) -> None:
        # Two outputs: the view, and the Markdown transcript in an output of its own that
        # follows the thread (saved_output.py), so a saved notebook holds the conversation
        # at save time without the live view being re-created by display updates.
        from IPython.display import display

        data, metadata = _split_bundle(super()._repr_mimebundle_())
        if data is None:
            return
        display(data, raw=True, metadata=metadata)
        self._saved.display()

    def _refresh_display(self) -> None:
        """Bring the displayed transcript up to date (after a response, a thread switch;
        never per token)."""
        self._saved.changed()


def _split_bundle(bundle: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """``_repr_mimebundle_`` returns data or (data, metadata)."""
    if isinstance(bundle, tuple):
        return bundle[0], bundle[1]
    return bundle, None


document_options(
    ChatKitWidget,
    "Options: keyword arguments of the constructor and of ``from_agent``, and attributes\n"
    "to change later (``chat.greeting = ...``). A misspelled option raises ``TypeError``.",
)


def _log_failure(task: asyncio.Task[Turn]) -> None:
    """Turns started from a view are awaited by no one: surface their crashes."""

    def done(t: asyncio.Task[Turn]) -> None:
        if not t.cancelled() and t.exception() is not None:
            logger.error("a response started from a view crashed", exc_info=t.exception())

    task.add_done_callback(done)


def _current_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    try:
        # In a kernel the loop exists even when the cell code isn't running inside it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return asyncio.get_event_loop()
    except RuntimeError:
        return None
