"""Agents SDK glue: a ChatKit server that runs an ``agents.Agent`` for each turn.

``AgentServer`` is an ordinary ``chatkit.server.ChatKitServer``: the widget drives it
through ``process()`` like any user server. On top of the SDK's ``stream_agent_response``
it adds what a notebook chat needs out of the box:

- client tools (``ClientTool``) registered at any time, offered to the model as
  function tools that pause the run (``StopAtTools``) so the kernel can answer them;
- a thread title, generated once, concurrently with the first answer;
- unique item ids for models that have none (Chat Completions servers);
- tools that raise are reported, not only to the model: a logged warning with the
  traceback, and a ``ToolError`` event the widget records in ``Turn.tool_errors``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import logging
import os
import re
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Generic

from agents import (
    Agent,
    FunctionTool,
    Model,
    ModelBehaviorError,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    RunConfig,
    RunContextWrapper,
    Runner,
    StopAtTools,
    ToolsToFinalOutputResult,
)
from agents.agent import ToolsToFinalOutputFunction
from agents.models.fake_id import FAKE_RESPONSES_ID
from agents.run_config import ToolErrorFormatter, ToolErrorFormatterArgs
from agents.tool import FunctionToolResult
from agents.tool_context import ToolContext
from chatkit.agents import AgentContext, ClientToolCall, ThreadItemConverter, stream_agent_response
from chatkit.server import ChatKitServer
from chatkit.store import AttachmentStore, Store, StoreItemType
from chatkit.types import (
    ClientToolCallItem,
    InferenceOptions,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
    UserMessageTextContent,
)
from typing_extensions import TypeVar

from .converter import NotebookConverter
from .limits import DEFAULT_HISTORY_LIMIT
from .models import OfflineModel, default_model
from .tools import ClientTool
from .turn import ToolError

__all__ = ["DEFAULT_HISTORY_LIMIT", "AgentServer", "offline_title"]

logger = logging.getLogger(__name__)

TContext = TypeVar("TContext", default=Any)
ToolUseBehavior = Any  # the union accepted by Agent.tool_use_behavior

TITLE_MAX_CHARS = 40
TITLE_INSTRUCTIONS = (
    "Write a title of 2 to 6 words for a chat that starts with the user's message. "
    "Reply with the title only: no quotes, no trailing punctuation."
)
_PAGE_SIZE = 100


# Words a title cut short should not end on.
_DANGLING = frozenset(
    "a an the and or but nor of to in on at for with from by about between into onto as"
    " than that this these those my your our their its is are was were be".split()
)


def offline_title(text: str, max_chars: int = TITLE_MAX_CHARS) -> str:
    """A thread title from a message without a model: its first words, tidied.

    The first line's first six words, cut at a word boundary to at most ``max_chars``
    characters, without markdown/quote marks in front or punctuation at the end, nor,
    when cut short, a dangling small word ("the", "and", "between"…) at the end;
    underscores read as spaces (``get_weather Oslo`` → ``Get weather Oslo``).
    ``""`` when the message has no text.
    """
    line = next((ln for ln in text.splitlines() if ln.strip()), "").replace("_", " ")
    all_words = line.strip().lstrip("#>*`\"' ").split()
    words = all_words[:6]
    title = ""
    kept: list[str] = []
    for word in words:
        candidate = f"{title} {word}".strip()
        if len(candidate) > max_chars:
            break
        title = candidate
        kept.append(word)
    if 1 < len(kept) < len(all_words):
        # Cut short: a title does not end on "the", "and", "between"...
        while len(kept) > 1 and kept[-1].lower().strip(".,;:!?") in _DANGLING:
            kept.pop()
        title = " ".join(kept)
    if not title and words:  # one very long word: cut it
        title = words[0][:max_chars]
    title = title.rstrip(".,;:!?…-–—\"'`*)")
    return title[:1].upper() + title[1:]


class AgentServer(ChatKitServer[TContext], Generic[TContext]):
    """Answer each ChatKit turn by running ``agent`` with the thread's history.

    Args:
        agent: The agent to run (its tools can stream progress and effects through
            ``ctx.context.stream(...)``, ``ctx.context`` being a ChatKit ``AgentContext``).
        store: Where threads and items live.
        client_tools: Tools answered by the kernel, by name. The mapping is read at every
            turn, so tools registered later (e.g. by the widget) are offered from the next
            turn on. Each becomes a function tool that stops the run with a pending
            ``ClientToolCallItem``; ``threads.add_client_tool_output`` resumes it.
        title_model: Model (or model name) that titles new threads. ``None``: the
            ``default_model()`` when ``OPENAI_API_KEY`` is set, else a title made from the
            first message (``offline_title``).
        attachment_store: As for ``ChatKitServer``.
        converter: Turns stored thread items into model input; default:
            ``NotebookConverter`` (attachments from ``attachment_store``, tags).
        run_config: Passed to every run. Default: tracing off when ``OPENAI_API_KEY``
            is unset (there is nowhere to send traces, and the exporter warns per batch).
            Its ``tool_error_formatter``, if any, still decides what the model is told
            about a failing tool; the failure is reported to the notebook first.
        history_limit: How many of the thread's newest items the model sees each turn
            (default ``DEFAULT_HISTORY_LIMIT``, 100: user and assistant messages, tool
            calls, widgets… each count as one). Older items stay in the thread and the
            view, but the model no longer sees them, so a turn costs the same at item
            10,000 as at item 100. ``None``: the whole thread every turn (cost grows with
            the thread).

    Tools with their own ``failure_error_function`` handle their errors themselves and
    are not reported.
    """

    def __init__(
        self,
        agent: Agent[AgentContext[TContext]],
        store: Store[TContext],
        *,
        client_tools: Mapping[str, ClientTool] | None = None,
        title_model: Model | str | None = None,
        attachment_store: AttachmentStore[TContext] | None = None,
        converter: ThreadItemConverter | None = None,
        run_config: RunConfig | None = None,
        history_limit: int | None = DEFAULT_HISTORY_LIMIT,
    ) -> None:
        if history_limit is not None and (
            not isinstance(history_limit, int) or isinstance(history_limit, bool)
        ):
            raise TypeError(f"history_limit must be an int or None, not {history_limit!r}")
        if history_limit is not None and history_limit < 1:
            raise ValueError(f"history_limit must be at least 1 (or None), not {history_limit}")
        super().__init__(store, attachment_store)
        self.history_limit = history_limit
        self.agent = agent
        self.client_tools: Mapping[str, ClientTool] = {} if client_tools is None else client_tools
        self.title_model = title_model
        self.converter = converter or NotebookConverter(attachment_store)
        self.run_config = run_config

    async def respond(
        self,
        thread: ThreadMetadata,
        input_user_message: UserMessageItem | None,
        context: TContext,
    ) -> AsyncIterator[ThreadStreamEvent]:
        # The title runs beside the answer so it never delays the first token.
        title_task = self._start_title(thread, input_user_message)
        try:
            # Pending client tool calls (never answered) are skipped by the converter,
            # so reloading history cannot run them again.
            items = await self._load_history(thread.id, context)
            agent_input = await self.converter.to_agent_input(items)
            agent_context = AgentContext(thread=thread, store=self.store, request_context=context)
            result = Runner.run_streamed(
                with_inference_options(self.agent_for_turn(), _inference_options(items)),
                agent_input,
                context=agent_context,
                run_config=self._run_config(),
            )
            events = stream_agent_response(agent_context, result)
            async for event in self._with_unique_ids(events, thread, context):
                yield event
                if title_task is not None and title_task.done():
                    # Setting it is enough: the SDK saves the thread and emits thread.updated.
                    thread.title = title_task.result() or thread.title
                    title_task = None
            if title_task is not None:
                thread.title = await title_task or thread.title
        finally:
            if title_task is not None and not title_task.done():
                title_task.cancel()

    def agent_for_turn(self) -> Agent[AgentContext[TContext]]:
        """The agent with the current client tools added and wired to stop the run."""
        client_tools = list(self.client_tools.values())
        if not client_tools:
            return self.agent
        names = [tool.name for tool in client_tools]
        taken = {str(getattr(tool, "name", "")) for tool in self.agent.tools} & set(names)
        if taken:
            raise ValueError(
                f"Client tool name(s) {sorted(taken)} clash with the agent's own tools."
            )
        return self.agent.clone(
            tools=[*self.agent.tools, *(_as_function_tool(tool) for tool in client_tools)],
            tool_use_behavior=_stop_at(self.agent.tool_use_behavior, names),
        )

    async def _load_history(self, thread_id: str, context: TContext) -> list[ThreadItem]:
        """The items the model sees, oldest first: the newest ``history_limit`` ones."""
        if self.history_limit is None:
            return await self._load_all_items(thread_id, context)
        page = await self.store.load_thread_items(
            thread_id, None, self.history_limit, "desc", context
        )
        return list(reversed(page.data))

    async def _load_all_items(self, thread_id: str, context: TContext) -> list[ThreadItem]:
        items: list[ThreadItem] = []
        after: str | None = None
        while True:
            page = await self.store.load_thread_items(thread_id, after, _PAGE_SIZE, "asc", context)
            items.extend(page.data)
            if not page.has_more or page.after is None:
                return items
            after = page.after

    def _run_config(self) -> RunConfig:
        base = self.run_config
        if base is None:
            base = RunConfig(tracing_disabled=not os.environ.get("OPENAI_API_KEY"))
        return dataclasses.replace(
            base, tool_error_formatter=_reporting_tool_errors(base.tool_error_formatter)
        )

    # -- titles ---------------------------------------------------------------------------

    def _start_title(
        self, thread: ThreadMetadata, message: UserMessageItem | None
    ) -> asyncio.Task[str] | None:
        if thread.title or message is None:
            return None
        text = "".join(p.text for p in message.content if isinstance(p, UserMessageTextContent))
        if not text.strip():
            return None  # nothing to title yet: try again with the next message
        return asyncio.ensure_future(self._generate_title(text))

    async def _generate_title(self, text: str) -> str:
        model = self._title_model()
        if model is None:
            return offline_title(text)
        try:
            title_agent = Agent(name="Thread title", instructions=TITLE_INSTRUCTIONS, model=model)
            result = await Runner.run(title_agent, text, run_config=self._run_config())
            title = _tidy_title(str(result.final_output))
            if not title:
                raise ModelBehaviorError("the title model returned an empty title")
            return title
        except Exception:
            logger.warning(
                "Thread title generation failed; titling from the message.", exc_info=True
            )
            return offline_title(text)

    def _title_model(self) -> Model | None:
        model = self.title_model
        if isinstance(model, str):
            model = default_model(model)
        elif model is None and os.environ.get("OPENAI_API_KEY"):
            model = default_model()
        # The offline model echoes; a title from the message's own words reads better.
        return None if model is None or isinstance(model, OfflineModel) else model

    # -- item ids -------------------------------------------------------------------------

    async def _with_unique_ids(
        self,
        events: AsyncIterator[ThreadStreamEvent],
        thread: ThreadMetadata,
        context: TContext,
    ) -> AsyncIterator[ThreadStreamEvent]:
        """Give items that carry the SDK's placeholder id a real one.

        ChatKit reuses the model's item id as the thread item id; Chat Completions models
        (local servers) have none and all share ``"__fake_id__"``, so every answer would
        overwrite the previous one in the store.
        """
        current: str | None = None  # the id given to the item now streaming
        async for event in events:
            if isinstance(event, (ThreadItemAddedEvent, ThreadItemDoneEvent)):
                if event.item.id == FAKE_RESPONSES_ID:
                    if isinstance(event, ThreadItemAddedEvent) or current is None:
                        kind: StoreItemType = (
                            "tool_call" if isinstance(event.item, ClientToolCallItem) else "message"
                        )
                        current = self.store.generate_item_id(kind, thread, context)
                    event = event.model_copy(
                        update={"item": event.item.model_copy(update={"id": current})}
                    )
                    if isinstance(event, ThreadItemDoneEvent):
                        current = None
            elif isinstance(event, ThreadItemUpdatedEvent) and event.item_id == FAKE_RESPONSES_ID:
                if current is not None:
                    event = event.model_copy(update={"item_id": current})
            yield event


def _tidy_title(text: str) -> str:
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    title = re.sub(r"^(title:\s*)", "", first_line.strip(), flags=re.IGNORECASE)
    return offline_title(title.strip("\"'`*# "), max_chars=60)


def _as_function_tool(tool: ClientTool) -> FunctionTool:
    """The function tool the model sees for ``tool``: calling it records the call."""

    async def record_call(ctx: ToolContext[AgentContext[Any]], arguments_json: str) -> str:
        try:
            arguments = json.loads(arguments_json) if arguments_json.strip() else {}
        except json.JSONDecodeError as e:
            raise ModelBehaviorError(
                f"Client tool {tool.name!r} got invalid JSON arguments: {e}"
            ) from e
        if not isinstance(arguments, dict):
            raise ModelBehaviorError(f"Client tool {tool.name!r} got non-object arguments.")
        if ctx.context.client_tool_call is not None:
            # ChatKit resumes one client tool call per turn; the model can ask again later.
            return "Not sent: only one client tool call per turn. Call it again afterwards."
        ctx.context.client_tool_call = ClientToolCall(name=tool.name, arguments=arguments)
        return f"Sent {tool.name} to the client; its result follows."

    return FunctionTool(
        name=tool.name,
        description=tool.description,
        params_json_schema=tool.parameters,
        on_invoke_tool=record_call,
        strict_json_schema=False,
    )


def _reporting_tool_errors(then: ToolErrorFormatter | None) -> ToolErrorFormatter:
    """A ``RunConfig.tool_error_formatter`` that reports a raising tool, then lets
    ``then`` (or the SDK default, ``None``) word the message the model gets.

    The SDK turns a tool's exception into text for the model and, by default, logs it at
    debug level only: a notebook user would never learn that their tool is broken.
    """

    async def report(args: ToolErrorFormatterArgs[Any]) -> str | None:
        if args.kind == "tool_exception" and args.error is not None:
            error = args.error
            logger.warning(
                "Tool %r raised %s: %s (the model was told it failed)",
                args.tool_name,
                type(error).__name__,
                error,
                exc_info=(type(error), error, error.__traceback__),
            )
            context = args.run_context.context
            if isinstance(context, AgentContext):
                await context.stream(ToolError.from_exception(args.tool_name, error).to_effect())
        if then is None:
            return None
        message = then(args)
        return await message if inspect.isawaitable(message) else message

    return report


def _stop_at(behavior: ToolUseBehavior, names: list[str]) -> ToolUseBehavior:
    """``behavior`` changed so that the run also stops after any tool in ``names``."""
    if behavior == "run_llm_again":
        return StopAtTools(stop_at_tool_names=names)
    if behavior == "stop_on_first_tool":
        return behavior  # already stops after every tool, client tools included
    if isinstance(behavior, dict):
        known = list(behavior.get("stop_at_tool_names", []))
        return StopAtTools(stop_at_tool_names=[*known, *(n for n in names if n not in known)])
    return _stop_before_callable(behavior, set(names))


def _stop_before_callable(
    decide: ToolsToFinalOutputFunction[Any], names: set[str]
) -> Callable[..., Any]:
    """A custom tool_use_behavior function, asked only when no client tool ran."""

    async def stop_at_client_tools(
        ctx: RunContextWrapper[Any], results: list[FunctionToolResult]
    ) -> ToolsToFinalOutputResult:
        for result in results:
            if result.tool.name in names:
                return ToolsToFinalOutputResult(is_final_output=True, final_output=result.output)
        outcome = decide(ctx, results)
        return await outcome if inspect.isawaitable(outcome) else outcome

    return stop_at_client_tools


# -- the composer's tool and model choice -------------------------------------------------


def _inference_options(items: list[ThreadItem]) -> InferenceOptions | None:
    """The newest user message's choice (client tool round trips continue its turn)."""
    for item in reversed(items):
        if isinstance(item, UserMessageItem):
            return item.inference_options
    return None


def with_inference_options(agent: Agent[Any], options: InferenceOptions | None) -> Agent[Any]:
    """``agent`` forced to call the chosen tool, on the chosen model when it runs a real
    one (the offline and scripted models have no other models to switch to)."""
    if options is None:
        return agent
    changes: dict[str, Any] = {}
    if options.tool_choice is not None:
        # reset_tool_choice (on by default) lifts the force after the tool ran.
        changes["model_settings"] = agent.model_settings.resolve(
            ModelSettings(tool_choice=options.tool_choice.id)
        )
    if options.model:
        model = agent.model
        if model is None or isinstance(model, str):
            changes["model"] = options.model
        elif isinstance(model, (OpenAIResponsesModel, OpenAIChatCompletionsModel)):
            changes["model"] = type(model)(options.model, model._client)
    return agent.clone(**changes) if changes else agent
