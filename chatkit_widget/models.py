"""Which model answers: a real OpenAI model when a key is set, else an offline demo model.

``default_model()`` is the one place that decides. ``OfflineModel`` lets the widget run
anywhere (docs, CI, a first try without a key): it streams word-sized deltas, calls a
tool when the user names it, and summarises tool results, all deterministically and
without network.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any, cast, get_args

from agents import (
    FunctionTool,
    Model,
    ModelResponse,
    ModelSettings,
    ModelTracing,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    Tool,
    TResponseInputItem,
    Usage,
)
from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import TResponseOutputItem, TResponseStreamEvent
from openai import AsyncOpenAI
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
)
from openai.types.responses.response_prompt_param import ResponsePromptParam

__all__ = ["DEFAULT_MODEL", "OfflineModel", "default_model"]

DEFAULT_MODEL = "gpt-4.1-mini"
"""Used when neither ``name`` nor ``CHATKIT_WIDGET_MODEL`` names a model: small, fast to
first token (no reasoning pause), good at tool calls."""


def default_model(name: str | None = None) -> Model:
    """The model a chat uses unless told otherwise.

    - ``OPENAI_API_KEY`` unset → ``OfflineModel()`` (no network).
    - ``OPENAI_BASE_URL`` set → an OpenAI-compatible server (Ollama, vLLM, LM Studio…)
      through Chat Completions, which such servers speak; for a server that needs no key,
      set ``OPENAI_API_KEY`` to any placeholder.
    - otherwise → the OpenAI Responses API.

    The model name is ``name``, else ``CHATKIT_WIDGET_MODEL``, else ``DEFAULT_MODEL``.
    """
    if not os.environ.get("OPENAI_API_KEY"):
        return OfflineModel()
    model_name = name or os.environ.get("CHATKIT_WIDGET_MODEL") or DEFAULT_MODEL
    base_url = os.environ.get("OPENAI_BASE_URL")
    if base_url:
        return OpenAIChatCompletionsModel(model_name, AsyncOpenAI(base_url=base_url))
    return OpenAIResponsesModel(model_name, AsyncOpenAI())


_INTRO = (
    "This is the **offline demo model**: it echoes you and calls tools you name, "
    "but it does not think.\n\n"
    "To chat with a real model, set `OPENAI_API_KEY` (optionally `CHATKIT_WIDGET_MODEL`, "
    "or `OPENAI_BASE_URL` for a local OpenAI-compatible server) before creating the chat."
)

# Messages the ChatKit converter adds with role "user" that the user did not type.
_CONTEXT_PREFIXES = (
    "Hidden context for the agent",
    "The user is referring to this in particular",
    "# User-provided context for @-mentions",
)


class OfflineModel(Model):
    """A deterministic, offline stand-in for an LLM (the Agents SDK ``Model`` interface).

    Per call it looks at the end of the input:

    - a tool result (``function_call_output``) → a short summary: a JSON block for
      structured results, the text in quotes for plain strings;
    - a tool forced by ``model_settings.tool_choice`` (the composer's tool picker) → a
      call of that tool, arguments derived from the whole message as below;
    - else the last user message. If it names one of the available function tools (the
      exact tool name, or the name with ``_``/``-`` read as spaces, as a whole word;
      the earliest mention wins) it calls that tool. Required arguments are derived:
      the schema default or first enum value if any, else strings get the text after
      the tool's name, numbers the first number in the message, booleans ``true``,
      arrays ``[]``, objects ``{}``. Otherwise it replies "You said: …" and explains
      how to use a real model.

    Replies stream as word-sized text deltas; ``delay`` seconds between deltas makes the
    streaming visible in demos (default: no sleeping).
    """

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        item = _reply(input, tools, model_settings.tool_choice)
        return ModelResponse(output=[item], usage=Usage(requests=1), response_id=_new_id("resp"))

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        item = _reply(input, tools, model_settings.tool_choice)
        # ScriptedModel streams a whole text part as one delta; a demo should show real
        # token-by-token streaming, so the Responses events are built here.
        events = _EventSequence()
        yield events.next(ResponseCreatedEvent, response=events.response("in_progress", []))
        if isinstance(item, ResponseOutputMessage):
            async for event in self._stream_message(events, item):
                yield event
        else:
            yield events.added(item.model_copy(update={"arguments": ""}))
            yield events.next(
                ResponseFunctionCallArgumentsDeltaEvent,
                item_id=item.id,
                output_index=0,
                delta=item.arguments,
            )
            # Older openai releases require `name` on this event; newer ones keep it as extra.
            yield events.next(
                ResponseFunctionCallArgumentsDoneEvent,
                item_id=item.id,
                output_index=0,
                arguments=item.arguments,
                name=item.name,
            )
        yield events.next(ResponseOutputItemDoneEvent, item=item, output_index=0)
        yield events.next(ResponseCompletedEvent, response=events.response("completed", [item]))

    async def _stream_message(
        self, events: _EventSequence, item: ResponseOutputMessage
    ) -> AsyncIterator[TResponseStreamEvent]:
        text = cast(ResponseOutputText, item.content[0]).text
        part = ResponseOutputText(type="output_text", text="", annotations=[], logprobs=[])
        where: dict[str, Any] = {"item_id": item.id, "output_index": 0, "content_index": 0}
        yield events.added(item.model_copy(update={"content": [], "status": "in_progress"}))
        yield events.next(ResponseContentPartAddedEvent, part=part, **where)
        for i, delta in enumerate(re.findall(r"\S+\s*|\s+", text)):
            if self.delay > 0 and i > 0:
                await asyncio.sleep(self.delay)
            yield events.next(ResponseTextDeltaEvent, delta=delta, logprobs=[], **where)
        yield events.next(ResponseTextDoneEvent, text=text, logprobs=[], **where)
        yield events.next(ResponseContentPartDoneEvent, part=item.content[0], **where)


class _EventSequence:
    """Builds Responses stream events with increasing sequence numbers."""

    def __init__(self) -> None:
        self._sequence = 0
        self._response_id = _new_id("resp")

    def next(self, event_type: type[Any], **fields: Any) -> TResponseStreamEvent:
        # Each event class's `type` is a one-value Literal (with no default).
        fields.setdefault("type", get_args(event_type.model_fields["type"].annotation)[0])
        event = event_type.model_validate({**fields, "sequence_number": self._sequence})
        self._sequence += 1
        return cast(TResponseStreamEvent, event)

    def added(self, item: TResponseOutputItem) -> TResponseStreamEvent:
        return self.next(ResponseOutputItemAddedEvent, item=item, output_index=0)

    def response(self, status: str, output: list[TResponseOutputItem]) -> Response:
        return Response(
            id=self._response_id,
            created_at=0,
            model="offline-demo",
            object="response",
            output=output,
            tool_choice="auto",
            tools=[],
            top_p=None,
            parallel_tool_calls=False,
            status=cast(Any, status),
        )


def _new_id(prefix: str) -> str:
    # ChatKit reuses the Responses message id as the thread item id: it must be unique.
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def _reply(
    input: str | list[TResponseInputItem], tools: list[Tool], tool_choice: Any = None
) -> ResponseOutputMessage | ResponseFunctionToolCall:
    """What the offline model answers to ``input`` (a message or a function call).
    ``tool_choice`` naming a function tool (the composer's tool picker) forces that tool."""
    items: list[Any] = [{"role": "user", "content": input}] if isinstance(input, str) else input
    last = items[-1] if items else {}
    if _get(last, "type") == "function_call_output":
        return _message(_summarize_tool_output(items, last))

    text = _last_user_text(items)
    function_tools = [t for t in tools if isinstance(t, FunctionTool)]
    forced = next((t for t in function_tools if t.name == _chosen_tool(tool_choice)), None)
    called: tuple[FunctionTool, str] | None
    if forced is not None:
        # Its arguments from the text after its name if the message names it, else all of it.
        called = _named_tool(text, [forced]) or (forced, text)
    else:
        called = _named_tool(text, function_tools)
    if called is not None:
        tool, rest = called
        arguments = _derive_arguments(tool.params_json_schema, text, rest)
        return ResponseFunctionToolCall(
            type="function_call",
            id=_new_id("fc"),
            call_id=_new_id("call"),
            name=tool.name,
            arguments=json.dumps(arguments),
            status="completed",
        )
    return _message(_echo(text, function_tools, _last_user_message(items)[1]))


def _chosen_tool(tool_choice: Any) -> str | None:
    """The tool name in ``ModelSettings.tool_choice`` ("auto"/"required"/"none" name none)."""
    name = getattr(tool_choice, "name", tool_choice)
    if not isinstance(name, str) or name in ("auto", "required", "none"):
        return None
    return name


def _message(text: str) -> ResponseOutputMessage:
    return ResponseOutputMessage(
        type="message",
        id=_new_id("msg"),
        role="assistant",
        status="completed",
        content=[ResponseOutputText(type="output_text", text=text, annotations=[], logprobs=[])],
    )


def _echo(text: str, tools: list[FunctionTool], attachments: int = 0) -> str:
    text = text.strip()
    if not text:
        said = "You sent a message without text."
    elif "\n" in text:
        # As a block quote: a fence or list in what was typed stays inside the quote.
        said = "You said:\n\n" + "\n".join(f"> {line}".rstrip() for line in text.splitlines())
    else:
        said = f"You said: “{text}”"
    if attachments:
        said += f"\n\n(with {attachments} attachment{'s' if attachments > 1 else ''})"
    reply = f"{said}\n\n{_INTRO}"
    if tools:
        names = ", ".join(f"`{t.name}`" for t in tools)
        reply += f"\n\nName a tool in your message to see it called: {names}."
    return reply


def _summarize_tool_output(items: list[Any], output_item: Any) -> str:
    call_id = _get(output_item, "call_id")
    name = next(
        (
            _get(i, "name")
            for i in reversed(items)
            if _get(i, "type") == "function_call" and _get(i, "call_id") == call_id
        ),
        "the tool",
    )
    return (
        f"{_describe_result(name, _decode(_get(output_item, 'output')))}\n\n"
        "(Offline demo model: a real model would now reason about this result.)"
    )


def _describe_result(name: str, value: Any) -> str:
    """Structured results as a JSON block; plain text quoted, as a reader would."""
    if isinstance(value, (dict, list)):
        shown = json.dumps(value, indent=2, ensure_ascii=False, default=str)
        return f"The tool `{name}` returned:\n\n```json\n{shown}\n```"
    text = value if isinstance(value, str) else json.dumps(value)
    if not text.strip():
        return f"The tool `{name}` returned nothing."
    if "\n" not in text.strip():
        return f"The tool `{name}` returned “{text.strip()}”."
    quoted = "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines())
    return f"The tool `{name}` returned:\n\n{quoted}"


def _decode(raw: Any) -> Any:
    """Tool output as a value: JSON or a Python literal when it is one, else the text."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        pass
    try:
        # The Agents SDK sends a server tool's dict result as str(dict): a Python literal.
        value = ast.literal_eval(raw)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return raw
    # Only containers: a bare name or number-like text is better shown as written.
    if isinstance(value, tuple):
        return list(value)
    return value if isinstance(value, (dict, list)) else raw


def _get(item: Any, key: str) -> Any:
    # Input items are TypedDicts from the converter, or pydantic models from earlier turns.
    return item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)


def _text_of(content: Any) -> str:
    """What the user typed: ChatKit's converter puts it first, then one part per attachment
    (a text file's contents as text too), which are not part of what was said."""
    if isinstance(content, str):
        return content
    for part in content or []:
        if _get(part, "type") in ("input_text", "text"):
            text = _get(part, "text")
            return text if isinstance(text, str) else ""
    return ""


def _attachment_count(content: Any) -> int:
    if isinstance(content, str):
        return 0
    parts = list(content or [])
    texts = [i for i, p in enumerate(parts) if _get(p, "type") in ("input_text", "text")]
    return len(parts) - (1 if texts else 0)


def _last_user_message(items: list[Any]) -> tuple[str, int]:
    """The last user message's typed text and how many attachments came with it."""
    for item in reversed(items):
        if _get(item, "role") != "user":
            continue
        content = _get(item, "content")
        text = _text_of(content)
        if not text.startswith(_CONTEXT_PREFIXES):
            return text, _attachment_count(content)
    return "", 0


def _last_user_text(items: list[Any]) -> str:
    return _last_user_message(items)[0]


def _named_tool(text: str, tools: list[FunctionTool]) -> tuple[FunctionTool, str] | None:
    """The tool mentioned first in ``text`` and the text after its mention."""
    best: tuple[int, int, FunctionTool, str] | None = None
    for tool in tools:
        spoken = re.sub(r"[_-]+", " ", tool.name)
        for form in {tool.name, spoken}:
            match = re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text, re.IGNORECASE)
            if match is None:
                continue
            # Earliest mention wins; at the same spot the longer name does.
            key = (match.start(), -len(form))
            if best is None or key < best[:2]:
                best = (*key, tool, text[match.end() :])
    return None if best is None else (best[2], best[3])


def _derive_arguments(schema: Mapping[str, Any], text: str, rest: str) -> dict[str, Any]:
    properties: Mapping[str, Any] = schema.get("properties") or {}
    return {
        key: _derive_value(properties.get(key) or {}, text, rest)
        for key in schema.get("required") or []
    }


def _derive_value(prop: Mapping[str, Any], text: str, rest: str) -> Any:
    if "default" in prop:
        return prop["default"]
    if prop.get("enum"):
        return prop["enum"][0]
    branches = [b for b in prop.get("anyOf", []) if b.get("type") != "null"]
    if branches:
        return _derive_value(branches[0], text, rest)
    kind = prop.get("type")
    if kind == "string":
        return rest.strip(" \t\n:,.!?\"'")
    if kind in ("integer", "number"):
        number = re.search(r"-?\d+(\.\d+)?", text)
        value = float(number.group()) if number else 0
        return int(value) if kind == "integer" else value
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    return {}
