"""Specification of AgentServer: an Agents SDK agent behind a real ChatKit server.

Every test drives ``server.process(request_json, context)`` exactly as the widget does,
with ``agents.testing.ScriptedModel`` as the model, and checks what a client sees (the
streamed events) and what is kept (the store, the inputs the model received).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from agents import (
    Agent,
    FunctionToolResult,
    RunContextWrapper,
    StopAtTools,
    ToolsToFinalOutputResult,
    function_tool,
)
from agents.models.fake_id import FAKE_RESPONSES_ID
from agents.testing import ModelCall, ModelStep, ScriptedModel, assistant_message, function_call
from chatkit.agents import AgentContext
from chatkit.server import StreamingResult
from chatkit.types import (
    AssistantMessageItem,
    ClientEffectEvent,
    ClientToolCallItem,
    ErrorEvent,
    ProgressUpdateEvent,
    ThreadItem,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    ThreadUpdatedEvent,
    UserMessageItem,
)
from pydantic import TypeAdapter

from chatkit_widget import agents as agents_module
from chatkit_widget.agents import AgentServer, offline_title
from chatkit_widget.stores import MemoryStore
from chatkit_widget.tools import ClientTool

EVENT = TypeAdapter[ThreadStreamEvent](ThreadStreamEvent)
CONTEXT: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def no_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # With a key, titles would default to a real model: keep every test offline.
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def user_input(text: str) -> dict[str, Any]:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {},
    }


async def stream(server: AgentServer, request: dict[str, Any]) -> list[ThreadStreamEvent]:
    result = await server.process(json.dumps(request), CONTEXT)
    assert isinstance(result, StreamingResult)
    events = []
    async for chunk in result:
        assert chunk.startswith(b"data: ") and chunk.endswith(b"\n\n")
        events.append(EVENT.validate_json(chunk[len(b"data: ") : -2]))
    return events


async def create_thread(server: AgentServer, text: str) -> tuple[str, list[ThreadStreamEvent]]:
    events = await stream(server, {"type": "threads.create", "params": {"input": user_input(text)}})
    assert events[0].type == "thread.created"
    return events[0].thread.id, events


async def add_message(server: AgentServer, thread_id: str, text: str) -> list[ThreadStreamEvent]:
    params = {"thread_id": thread_id, "input": user_input(text)}
    return await stream(server, {"type": "threads.add_user_message", "params": params})


async def stored_items(server: AgentServer, thread_id: str) -> list[ThreadItem]:
    page = await server.store.load_thread_items(thread_id, None, 1000, "asc", CONTEXT)
    return page.data


def texts(items: list[ThreadItem]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        if isinstance(item, (UserMessageItem, AssistantMessageItem)):
            out.append((item.type, "".join(getattr(c, "text", "") for c in item.content)))
    return out


def deltas(events: list[ThreadStreamEvent]) -> list[str]:
    return [
        e.update.delta
        for e in events
        if isinstance(e, ThreadItemUpdatedEvent)
        and e.update.type == "assistant_message.content_part.text_delta"
    ]


def no_errors(events: list[ThreadStreamEvent]) -> list[ThreadStreamEvent]:
    assert not [e for e in events if isinstance(e, ErrorEvent)]
    return events


def input_of(call: ModelCall | None) -> list[dict[str, Any]]:
    assert call is not None
    return [dict(item) for item in call.input]


def serve(model: ScriptedModel, **kwargs: Any) -> AgentServer:
    agent = Agent[AgentContext](name="Assistant", instructions="Be brief.", model=model)
    return AgentServer(agent, MemoryStore(), **kwargs)


# -- answering -------------------------------------------------------------------------------


async def test_text_reply_streams_and_is_stored_after_the_user_message():
    model = ScriptedModel([[assistant_message("Hello there!", item_id="msg_a")]])
    server = serve(model)

    thread_id, events = await create_thread(server, "hi")

    no_errors(events)
    assert deltas(events) == ["Hello there!"]
    done = [e.item for e in events if isinstance(e, ThreadItemDoneEvent)]
    assert [type(i) for i in done] == [UserMessageItem, AssistantMessageItem]
    assert texts(await stored_items(server, thread_id)) == [
        ("user_message", "hi"),
        ("assistant_message", "Hello there!"),
    ]
    assert [(m["role"], m["content"][0]["text"]) for m in input_of(model.last_call)] == [
        ("user", "hi")
    ]


async def test_the_model_sees_the_whole_history_oldest_first_across_store_pages(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(agents_module, "_PAGE_SIZE", 2)  # force several pages
    model = ScriptedModel(
        [[assistant_message("one", item_id="msg_1")], [assistant_message("two", item_id="msg_2")]]
    )
    server = serve(model)
    thread_id, _ = await create_thread(server, "first")

    no_errors(await add_message(server, thread_id, "second"))

    seen = [(m["role"], m["content"][0]["text"]) for m in input_of(model.last_call)]
    assert seen == [("user", "first"), ("assistant", "one"), ("user", "second")]


async def test_items_without_a_model_id_get_unique_ids():
    # Chat Completions models (local servers) give every message the same placeholder id.
    model = ScriptedModel(
        [
            [assistant_message("one", item_id=FAKE_RESPONSES_ID)],
            [assistant_message("two", item_id=FAKE_RESPONSES_ID)],
        ]
    )
    server = serve(model)
    thread_id, first = await create_thread(server, "a")
    second = no_errors(await add_message(server, thread_id, "b"))

    items = await stored_items(server, thread_id)
    assert texts(items) == [
        ("user_message", "a"),
        ("assistant_message", "one"),
        ("user_message", "b"),
        ("assistant_message", "two"),
    ]
    answer_ids = [i.id for i in items if isinstance(i, AssistantMessageItem)]
    assert len(set(answer_ids)) == 2 and FAKE_RESPONSES_ID not in answer_ids
    # Within one answer, added / updated / done events all name the same new id.
    ids = {
        getattr(e, "item_id", None) or e.item.id
        for e in second
        if e.type in ("thread.item.added", "thread.item.updated", "thread.item.done")
        and not isinstance(getattr(e, "item", None), UserMessageItem)
    }
    assert ids == {answer_ids[1]}
    assert first  # the first turn streamed too


# -- progress and effects from server tools ---------------------------------------------------


async def test_tool_progress_and_effects_stream_to_the_client_but_are_not_stored():
    @function_tool
    async def highlight(ctx: RunContextWrapper[AgentContext], index: int) -> str:
        """Highlight a paragraph."""
        await ctx.context.stream(ProgressUpdateEvent(icon="search", text="Finding it..."))
        await ctx.context.stream(ClientEffectEvent(name="highlight_text", data={"index": index}))
        return "highlighted"

    model = ScriptedModel(
        [
            [function_call("highlight", {"index": 3}, call_id="call_h")],
            [assistant_message("Done.", item_id="msg_done")],
        ]
    )
    agent = Agent[AgentContext](name="Assistant", model=model, tools=[highlight])
    server = AgentServer(agent, MemoryStore())

    thread_id, events = await create_thread(server, "highlight paragraph 3")

    no_errors(events)
    progress = [e for e in events if isinstance(e, ProgressUpdateEvent)]
    effects = [e for e in events if isinstance(e, ClientEffectEvent)]
    assert [(p.icon, p.text) for p in progress] == [("search", "Finding it...")]
    assert [(e.name, e.data) for e in effects] == [("highlight_text", {"index": 3})]
    # Both arrive before the answer that follows the tool.
    first_answer = next(i for i, e in enumerate(events) if e.type == "thread.item.added")
    assert events.index(progress[0]) < first_answer and events.index(effects[0]) < first_answer
    # Only the messages are kept: progress and effects are ephemeral.
    assert texts(await stored_items(server, thread_id)) == [
        ("user_message", "highlight paragraph 3"),
        ("assistant_message", "Done."),
    ]
    assert [i.type for i in await stored_items(server, thread_id)] == [
        "user_message",
        "assistant_message",
    ]


# -- client tools ------------------------------------------------------------------------------


def selection_tool() -> ClientTool:
    def get_selection(project: str) -> dict[str, Any]:
        """Read the nodes selected on the canvas."""
        return {"nodes": [1, 2]}

    return ClientTool.from_handler("get_selection", get_selection)


async def test_client_tool_call_ends_the_response_with_a_pending_item():
    model = ScriptedModel([[function_call("get_selection", {"project": "p1"}, call_id="call_1")]])
    server = serve(model, client_tools={"get_selection": selection_tool()})

    thread_id, events = await create_thread(server, "what is selected?")

    no_errors(events)
    last_done = [e for e in events if isinstance(e, ThreadItemDoneEvent)][-1].item
    assert isinstance(last_done, ClientToolCallItem)
    assert (last_done.name, last_done.arguments, last_done.status, last_done.call_id) == (
        "get_selection",
        {"project": "p1"},
        "pending",
        "call_1",
    )
    newest = (await stored_items(server, thread_id))[-1]
    assert isinstance(newest, ClientToolCallItem) and newest.status == "pending"
    assert newest.arguments == {"project": "p1"}
    # The run stopped at the client tool: the model was not asked again.
    assert len(model.calls) == 1
    offered = {t.name: t for t in model.calls[0].tools}
    assert offered["get_selection"].description == "Read the nodes selected on the canvas."
    assert offered["get_selection"].params_json_schema["required"] == ["project"]


async def test_client_tool_output_continues_the_run_and_the_model_sees_it():
    model = ScriptedModel([[function_call("get_selection", {"project": "p1"}, call_id="call_1")]])
    server = serve(model, client_tools={"get_selection": selection_tool()})
    thread_id, _ = await create_thread(server, "what is selected?")
    model.enqueue([assistant_message("You selected nodes 1 and 2.", item_id="msg_after")])

    events = await stream(
        server,
        {
            "type": "threads.add_client_tool_output",
            "params": {"thread_id": thread_id, "result": {"nodes": [1, 2]}},
        },
    )

    no_errors(events)
    assert deltas(events) == ["You selected nodes 1 and 2."]
    seen = input_of(model.last_call)
    call = next(i for i in seen if i.get("type") == "function_call")
    output = next(i for i in seen if i.get("type") == "function_call_output")
    assert (call["name"], call["call_id"], json.loads(call["arguments"])) == (
        "get_selection",
        "call_1",
        {"project": "p1"},
    )
    assert output["call_id"] == "call_1" and json.loads(output["output"]) == {"nodes": [1, 2]}
    items = await stored_items(server, thread_id)
    assert [i.type for i in items] == ["user_message", "client_tool_call", "assistant_message"]
    assert items[1].status == "completed" and items[1].output == {"nodes": [1, 2]}


async def test_client_tools_registered_after_construction_are_offered_next_turn():
    tools: dict[str, ClientTool] = {}
    model = ScriptedModel(
        [[assistant_message("a", item_id="msg_1")], [assistant_message("b", item_id="msg_2")]]
    )
    server = serve(model, client_tools=tools)
    thread_id, _ = await create_thread(server, "one")

    tools["get_selection"] = selection_tool()
    await add_message(server, thread_id, "two")

    assert [t.name for t in model.calls[0].tools] == []
    assert [t.name for t in model.calls[1].tools] == ["get_selection"]


async def test_an_unanswered_client_tool_call_is_not_replayed_to_the_model():
    model = ScriptedModel([[function_call("get_selection", {"project": "p1"}, call_id="call_1")]])
    server = serve(model, client_tools={"get_selection": selection_tool()})
    thread_id, _ = await create_thread(server, "what is selected?")
    model.enqueue([assistant_message("Never mind then.", item_id="msg_2")])

    no_errors(await add_message(server, thread_id, "never mind"))

    seen = input_of(model.last_call)
    assert [i.get("type", "message") for i in seen] == ["message", "message"]
    assert [m["content"][0]["text"] for m in seen] == ["what is selected?", "never mind"]


async def test_client_tools_join_an_existing_stop_at_tools_list():
    model = ScriptedModel()
    agent = Agent[AgentContext](
        name="A", model=model, tool_use_behavior=StopAtTools(stop_at_tool_names=["finish"])
    )
    server = AgentServer(agent, MemoryStore(), client_tools={"get_selection": selection_tool()})

    behavior = server.agent_for_turn().tool_use_behavior

    assert behavior == {"stop_at_tool_names": ["finish", "get_selection"]}
    assert agent.tool_use_behavior == {"stop_at_tool_names": ["finish"]}  # original untouched
    assert [t.name for t in agent.tools] == []


async def test_a_custom_tool_use_function_still_decides_for_server_tools():
    decided: list[list[str]] = []

    def decide(
        ctx: RunContextWrapper[Any], results: list[FunctionToolResult]
    ) -> ToolsToFinalOutputResult:
        decided.append([r.tool.name for r in results])
        return ToolsToFinalOutputResult(is_final_output=False)

    @function_tool
    def lookup(q: str) -> str:
        """Look something up."""
        return "found"

    model = ScriptedModel(
        [
            [function_call("lookup", {"q": "x"}, call_id="c_l")],
            [function_call("get_selection", {"project": "p"}, call_id="c_s")],
        ]
    )
    agent = Agent[AgentContext](name="A", model=model, tools=[lookup], tool_use_behavior=decide)
    server = AgentServer(agent, MemoryStore(), client_tools={"get_selection": selection_tool()})

    thread_id, events = await create_thread(server, "go")

    no_errors(events)
    assert decided == [["lookup"]]  # asked for the server tool, not for the client tool
    assert (await stored_items(server, thread_id))[-1].type == "client_tool_call"


async def test_a_client_tool_named_like_an_agent_tool_is_refused():
    @function_tool
    def get_selection(project: str) -> str:
        """Server-side twin."""
        return ""

    agent = Agent[AgentContext](name="A", model=ScriptedModel(), tools=[get_selection])
    server = AgentServer(agent, MemoryStore(), client_tools={"get_selection": selection_tool()})

    with pytest.raises(ValueError, match="get_selection"):
        server.agent_for_turn()


# -- thread titles ---------------------------------------------------------------------------


def titled_events(events: list[ThreadStreamEvent]) -> list[str | None]:
    return [e.thread.title for e in events if isinstance(e, ThreadUpdatedEvent)]


async def test_the_first_message_titles_the_thread_once():
    title_model = ScriptedModel([[assistant_message("Weather in Paris", item_id="t")]])
    model = ScriptedModel(
        [
            [assistant_message("Sunny.", item_id="msg_1")],
            [assistant_message("Yes.", item_id="msg_2")],
        ]
    )
    server = serve(model, title_model=title_model)

    thread_id, first = await create_thread(server, "What's the weather in Paris today?")
    second = await add_message(server, thread_id, "And tomorrow?")

    assert titled_events(first) == ["Weather in Paris"]
    assert titled_events(second) == []
    assert (await server.store.load_thread(thread_id, CONTEXT)).title == "Weather in Paris"
    assert len(title_model.calls) == 1
    assert input_of(title_model.calls[0]) == [
        {"role": "user", "content": "What's the weather in Paris today?"}
    ]


async def test_the_title_does_not_hold_back_the_first_token():
    first_token_sent = asyncio.Event()

    async def title_after_first_token(call: ModelCall) -> list[Any]:
        await first_token_sent.wait()  # would deadlock if the answer waited for the title
        return [assistant_message("Late title", item_id="t")]

    title_model = ScriptedModel([ModelStep.respond(title_after_first_token)])
    model = ScriptedModel([[assistant_message("Answer.", item_id="msg_1")]])
    server = serve(model, title_model=title_model)
    result = await server.process(
        json.dumps({"type": "threads.create", "params": {"input": user_input("hello")}}), CONTEXT
    )
    assert isinstance(result, StreamingResult)

    async def consume() -> list[ThreadStreamEvent]:
        events = []
        async for chunk in result:
            event = EVENT.validate_json(chunk[len(b"data: ") : -2])
            events.append(event)
            if deltas([event]):
                first_token_sent.set()
        return events

    events = await asyncio.wait_for(consume(), timeout=5)

    # The title still lands before the response ends, after the answer's first token.
    assert titled_events(events) == ["Late title"]
    assert events.index(next(e for e in events if deltas([e]))) < events.index(
        next(e for e in events if isinstance(e, ThreadUpdatedEvent))
    )


async def test_a_failing_title_model_falls_back_to_a_title_from_the_message(
    caplog: pytest.LogCaptureFixture,
):
    title_model = ScriptedModel([RuntimeError("title service down")])
    model = ScriptedModel([[assistant_message("Sure.", item_id="msg_1")]])
    server = serve(model, title_model=title_model)

    with caplog.at_level(logging.WARNING, logger="chatkit_widget.agents"):
        thread_id, events = await create_thread(server, "Plot the sine function, please!")

    no_errors(events)
    assert titled_events(events) == ["Plot the sine function, please"]
    assert (await server.store.load_thread(thread_id, CONTEXT)).title == (
        "Plot the sine function, please"
    )
    assert any(
        "title" in r.getMessage().lower() for r in caplog.records if r.levelno == logging.WARNING
    )


async def test_without_a_key_or_title_model_the_title_comes_from_the_message():
    model = ScriptedModel([[assistant_message("Hi!", item_id="msg_1")]])
    server = serve(model)

    thread_id, events = await create_thread(server, "hello there, how are you doing today?")

    assert titled_events(events) == ["Hello there, how are you doing"]


def test_offline_title_reads_snake_case_names_as_words():
    assert offline_title("get_weather Oslo") == "Get weather Oslo"
    assert offline_title("run __init__ now") == "Run init now"


def test_offline_title_is_the_first_words_trimmed_and_short():
    assert offline_title("what's the weather in Paris?") == "What's the weather in Paris"
    assert offline_title("  # Summarize this notebook.\nmore lines") == "Summarize this notebook"
    long = offline_title("Please explain the difference between covariance and correlation")
    assert len(long) <= 40 and long == "Please explain the difference"


def test_an_offline_title_cut_short_does_not_end_on_a_dangling_word():
    # Cut after six words, "What do the notes and the chart say?" read "What do the notes
    # and the" in the chat's header.
    assert offline_title("What do the notes and the chart say?") == "What do the notes"
    assert offline_title("Plan a picnic in the park for Saturday") == "Plan a picnic in the park"
    # A whole short message keeps its words, even a last small one.
    assert offline_title("What is this for") == "What is this for"
    assert offline_title("x" * 100) == "X" + "x" * 39
    assert offline_title("   ") == ""
