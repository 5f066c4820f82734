"""Specification of model choice (default_model) and the offline demo model."""

from __future__ import annotations

import json
from typing import Any

import pytest
from agents import (
    Agent,
    ModelSettings,
    OpenAIChatCompletionsModel,
    OpenAIResponsesModel,
    RunConfig,
    Runner,
    function_tool,
)
from chatkit.agents import AgentContext
from chatkit.server import StreamingResult
from chatkit.types import AssistantMessageItem, ThreadItemUpdatedEvent, ThreadStreamEvent
from pydantic import TypeAdapter

from chatkit_widget import models as models_module
from chatkit_widget.agents import AgentServer
from chatkit_widget.models import DEFAULT_MODEL, OfflineModel, default_model
from chatkit_widget.stores import MemoryStore
from chatkit_widget.tools import ClientTool

NO_TRACING = RunConfig(tracing_disabled=True)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHATKIT_WIDGET_MODEL"):
        monkeypatch.delenv(name, raising=False)


async def run_streamed(agent: Agent[Any], text: str) -> tuple[list[str], str]:
    """The text deltas the model streamed and the run's final output."""
    result = Runner.run_streamed(agent, text, run_config=NO_TRACING)
    deltas = [
        event.data.delta
        async for event in result.stream_events()
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta"
    ]
    return deltas, str(result.final_output)


def user_input(text: str) -> dict[str, Any]:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {},
    }


async def chat(
    server: AgentServer, request_type: str, params: dict[str, Any]
) -> tuple[str, list[ThreadStreamEvent]]:
    """Run one streaming request; return the thread id and the events."""
    result = await server.process(json.dumps({"type": request_type, "params": params}), {})
    assert isinstance(result, StreamingResult)
    adapter = TypeAdapter[ThreadStreamEvent](ThreadStreamEvent)
    events = [adapter.validate_json(chunk[len(b"data: ") : -2]) async for chunk in result]
    thread_id = params.get("thread_id") or events[0].thread.id  # type: ignore[union-attr]
    return thread_id, events


# -- default_model ---------------------------------------------------------------------------


def test_without_a_key_the_default_is_the_offline_model():
    assert isinstance(default_model(), OfflineModel)
    assert isinstance(default_model("gpt-4.1"), OfflineModel)


def test_with_a_key_the_default_is_an_openai_responses_model(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")

    model = default_model()

    assert isinstance(model, OpenAIResponsesModel) and model.model == DEFAULT_MODEL


def test_the_model_name_comes_from_the_argument_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
    monkeypatch.setenv("CHATKIT_WIDGET_MODEL", "gpt-from-env")

    assert default_model().model == "gpt-from-env"  # type: ignore[attr-defined]
    assert default_model("gpt-from-arg").model == "gpt-from-arg"  # type: ignore[attr-defined]


def test_a_base_url_selects_a_chat_completions_server(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", "placeholder")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")

    model = default_model("llama3.2")

    assert isinstance(model, OpenAIChatCompletionsModel) and model.model == "llama3.2"
    assert str(model._client.base_url).startswith("http://localhost:11434/v1")


# -- OfflineModel ----------------------------------------------------------------------------


async def test_offline_reply_streams_in_several_word_sized_deltas():
    agent = Agent(name="A", model=OfflineModel())

    deltas, final = await run_streamed(agent, "hello world")

    assert len(deltas) > 10 and all(len(d.split()) <= 1 for d in deltas)
    assert "".join(deltas) == final
    assert final.startswith("You said: “hello world”")
    assert "offline demo model" in final and "OPENAI_API_KEY" in final


async def test_offline_reply_echoes_what_was_typed_not_the_attached_files(tmp_path):
    # from_agent turns a text file into the message's second input_text part (its contents
    # in a fence) and a figure into an input_image: the echo quotes only the typed text,
    # so the file's fence cannot swallow the rest of the reply.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from chatkit_widget import ChatKitWidget

    notes = tmp_path / "meeting-notes.txt"
    notes.write_text("Q2 review: East keeps growing.\n")
    fig, _ = plt.subplots()
    chat = ChatKitWidget.from_agent(
        Agent(name="A", model=OfflineModel()),
        attachments={"accept": {"image/*": [], "text/*": [".txt"]}},
    )

    turn = await chat.send("What do the notes say?", attachments=[notes, fig])

    assert turn.text.startswith("You said: “What do the notes say?”")
    assert "East keeps growing" not in turn.text and "```" not in turn.text
    assert "2 attachments" in turn.text
    assert "offline demo model" in turn.text


async def test_offline_reply_quotes_several_lines_as_a_block():
    agent = Agent(name="A", model=OfflineModel())

    _, final = await run_streamed(agent, "Look:\n```\nx = 1")

    assert final.startswith("You said:\n\n> Look:\n> ```\n> x = 1\n\n")
    assert "offline demo model" in final


async def test_offline_reply_is_deterministic():
    agent = Agent(name="A", model=OfflineModel())

    assert await run_streamed(agent, "same words") == await run_streamed(agent, "same words")


async def test_offline_model_answers_without_streaming_too():
    result = await Runner.run(Agent(name="A", model=OfflineModel()), "hi", run_config=NO_TRACING)

    assert str(result.final_output).startswith("You said: “hi”")


def weather_tool(calls: list[dict[str, Any]]) -> Any:
    @function_tool
    def get_weather(city: str, days: int) -> dict[str, Any]:
        """Forecast for a city."""
        calls.append({"city": city, "days": days})
        return {"city": city, "days": days, "sky": "clear"}

    return get_weather


async def test_offline_model_calls_a_tool_named_in_the_message_with_derived_arguments():
    calls: list[dict[str, Any]] = []
    agent = Agent(name="A", model=OfflineModel(), tools=[weather_tool(calls)])

    await run_streamed(agent, "get_weather Paris for 3 days")

    assert calls == [{"city": "Paris for 3 days", "days": 3}]


async def test_offline_model_calls_the_tool_the_composer_forced_without_its_name():
    # The tool picker forces a tool (tool_choice) for a message that need not name it:
    # "Oslo" with the weather tool chosen calls it, then the reply summarises the result.
    calls: list[dict[str, Any]] = []
    agent = Agent(
        name="A",
        model=OfflineModel(),
        tools=[weather_tool(calls)],
        model_settings=ModelSettings(tool_choice="get_weather"),
    )

    _, final = await run_streamed(agent, "Oslo in 2 days")

    assert calls == [{"city": "Oslo in 2 days", "days": 2}]
    assert final.startswith("The tool `get_weather` returned")

    # A message that names the forced tool too gives it the text after the name, as always.
    await run_streamed(agent, "get weather Lima")
    assert calls[-1] == {"city": "Lima", "days": 0}


async def test_offline_model_forced_through_the_chat_by_the_tool_picker():
    # The whole path: chat.send(tool_choice=...) as the composer's tool picker sends it.
    from chatkit_widget import ChatKitWidget

    calls: list[dict[str, Any]] = []
    chat = ChatKitWidget.from_agent(
        Agent(name="A", model=OfflineModel(), tools=[weather_tool(calls)]),
        tools=[{"id": "get_weather", "label": "Weather"}],
    )

    turn = await chat.send("Why that?", tool_choice="get_weather")

    assert calls == [{"city": "Why that", "days": 0}]
    assert turn.text.startswith("The tool `get_weather` returned")


async def test_offline_model_recognises_a_tool_name_written_with_spaces():
    calls: list[dict[str, Any]] = []
    agent = Agent(name="A", model=OfflineModel(), tools=[weather_tool(calls)])

    await run_streamed(agent, "Could you Get Weather: Oslo")

    assert calls == [{"city": "Oslo", "days": 0}]


async def test_offline_model_does_not_call_tools_that_are_not_named():
    calls: list[dict[str, Any]] = []
    agent = Agent(name="A", model=OfflineModel(), tools=[weather_tool(calls)])

    _, final = await run_streamed(agent, "what's the weather like?")

    assert calls == []
    assert "`get_weather`" in final  # it tells the user which tools can be named


async def test_offline_model_summarizes_the_tool_output_as_json():
    agent = Agent(name="A", model=OfflineModel(), tools=[weather_tool([])])

    _, final = await run_streamed(agent, "get_weather Rome")

    assert final.startswith("The tool `get_weather` returned:")
    block = final.split("```json\n", 1)[1].split("\n```", 1)[0]
    assert json.loads(block) == {"city": "Rome", "days": 0, "sky": "clear"}


def text_tool(result: str) -> Any:
    @function_tool
    def get_status() -> str:
        """The service status."""
        return result

    return get_status


async def test_offline_model_quotes_a_plain_string_result_without_a_code_block():
    agent = Agent(name="A", model=OfflineModel(), tools=[text_tool("All systems go")])

    _, final = await run_streamed(agent, "get_status")

    assert final.startswith("The tool `get_status` returned “All systems go”.")
    assert "```" not in final


async def test_offline_model_shows_a_multiline_string_result_as_a_quote():
    agent = Agent(name="A", model=OfflineModel(), tools=[text_tool("line one\nline two")])

    _, final = await run_streamed(agent, "get_status")

    assert "```" not in final
    assert "The tool `get_status` returned:\n\n> line one\n> line two\n" in final


async def test_offline_model_keeps_json_blocks_for_structured_results():
    agent = Agent(name="A", model=OfflineModel(), tools=[text_tool('{"ok": true, "n": [1]}')])

    _, final = await run_streamed(agent, "get_status")

    block = final.split("```json\n", 1)[1].split("\n```", 1)[0]
    assert json.loads(block) == {"ok": True, "n": [1]}


async def test_offline_model_says_when_a_tool_returned_nothing():
    agent = Agent(name="A", model=OfflineModel(), tools=[text_tool("")])

    _, final = await run_streamed(agent, "get_status")

    assert final.startswith("The tool `get_status` returned nothing.")


async def test_offline_model_does_not_sleep_unless_asked(monkeypatch: pytest.MonkeyPatch):
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(models_module.asyncio, "sleep", fake_sleep)

    deltas, _ = await run_streamed(Agent(name="A", model=OfflineModel()), "hi")
    assert [s for s in slept if s > 0] == []

    await run_streamed(Agent(name="A", model=OfflineModel(delay=0.02)), "hi")
    assert [s for s in slept if s > 0] == [0.02] * (len(deltas) - 1)


async def test_offline_model_drives_a_client_tool_round_trip():
    def get_selection() -> dict[str, Any]:
        """The selected canvas nodes."""
        return {"nodes": [7]}

    tool = ClientTool.from_handler("get_selection", get_selection)
    agent = Agent[AgentContext](name="Assistant", model=OfflineModel())
    server = AgentServer(agent, MemoryStore(), client_tools={tool.name: tool})

    thread_id, _ = await chat(server, "threads.create", {"input": user_input("get_selection")})
    pending = (await server.store.load_thread_items(thread_id, None, 1, "desc", {})).data[0]
    assert pending.type == "client_tool_call" and pending.name == "get_selection"

    result = await tool.invoke(pending.arguments)
    params = {"thread_id": thread_id, "result": result}
    await chat(server, "threads.add_client_tool_output", params)

    answer = (await server.store.load_thread_items(thread_id, None, 1, "desc", {})).data[0]
    assert isinstance(answer, AssistantMessageItem)
    assert answer.content[0].text.startswith("The tool `get_selection` returned:")
    assert '"nodes": [\n    7\n  ]' in answer.content[0].text


async def test_a_chat_works_end_to_end_with_no_api_key():
    # The zero-configuration path: default model, no key, a real ChatKit server.
    agent = Agent[AgentContext](name="Assistant", model=default_model())
    server = AgentServer(agent, MemoryStore())

    thread_id, events = await chat(server, "threads.create", {"input": user_input("hello")})

    text_deltas = [
        e
        for e in events
        if isinstance(e, ThreadItemUpdatedEvent) and e.update.type.endswith("text_delta")
    ]
    assert len(text_deltas) > 10
    stored = await server.store.load_thread_items(thread_id, None, 10, "asc", {})
    answer = stored.data[-1]
    assert isinstance(answer, AssistantMessageItem)
    assert answer.content[0].text.startswith("You said: “hello”")
    assert (await server.store.load_thread(thread_id, {})).title == "Hello"
