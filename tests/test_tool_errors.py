"""Failures that used to stay silent: a function tool that raises, and an
``initial_thread`` that does not exist. Both are logged, shown in the views as a
warning notice, and (for tools) recorded in the ``Turn``."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from agents import Agent, RunConfig, RunContextWrapper, function_tool
from agents.run_config import ToolErrorFormatterArgs
from agents.testing import ScriptedModel, assistant_message, function_call
from chatkit.agents import AgentContext
from chatkit.types import ProgressUpdateEvent

from chatkit_widget import ChatKitWidget, MemoryStore, ToolError
from chatkit_widget.agents import AgentServer

from .conftest import ScriptedServer, comm_of, settle, view_says


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@function_tool
async def upload_report(ctx: RunContextWrapper[AgentContext], name: str) -> str:
    """Upload a report."""
    # Copied from ChatKit's guide: "upload" is not one of ChatKit's icons.
    await ctx.context.stream(ProgressUpdateEvent(icon="upload", text="Uploading..."))  # type: ignore[arg-type]
    return "uploaded"


def failing_tool_chat(**options: Any) -> tuple[ChatKitWidget, ScriptedModel]:
    model = ScriptedModel(
        [
            [function_call("upload_report", {"name": "q3"}, call_id="call_u")],
            [assistant_message("Sorry, the upload failed.")],
        ]
    )
    agent = Agent(name="helper", model=model, tools=[upload_report])
    return ChatKitWidget.from_agent(agent, store=MemoryStore(), **options), model


def view_events(chat: ChatKitWidget) -> list[dict[str, Any]]:
    return [e for m in comm_of(chat).custom() if m["type"] == "batch" for e in m["events"]]


def notices(chat: ChatKitWidget) -> list[dict[str, Any]]:
    return [e for e in view_events(chat) if e.get("type") == "notice"]


# -- a tool that raises ---------------------------------------------------------------------


async def test_a_raising_tool_is_recorded_in_the_turn_with_its_traceback():
    chat, _ = failing_tool_chat()

    turn = await chat.send("upload q3")

    assert turn.ok and turn.text == "Sorry, the upload failed."
    assert len(turn.tool_errors) == 1
    error = turn.tool_errors[0]
    assert isinstance(error, ToolError)
    assert (error.tool, error.type) == ("upload_report", "ValidationError")
    assert "icon" in error.message
    assert "Traceback (most recent call last)" in error.traceback
    assert "ProgressUpdateEvent" in error.traceback
    assert "tool_errors=1" in repr(turn)


async def test_a_raising_tool_logs_a_warning_with_the_traceback(caplog: pytest.LogCaptureFixture):
    chat, _ = failing_tool_chat()

    with caplog.at_level(logging.WARNING, logger="chatkit_widget"):
        await chat.send("upload q3")

    records = [r for r in caplog.records if "upload_report" in r.getMessage()]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    assert records[0].exc_info is not None and records[0].exc_info[0].__name__ == "ValidationError"


async def test_a_raising_tool_shows_a_warning_notice_in_the_views():
    chat, _ = failing_tool_chat()

    await chat.send("upload q3")

    shown = notices(chat)
    assert len(shown) == 1
    assert shown[0]["level"] == "warning"
    assert "upload_report" in shown[0]["title"]
    assert "ValidationError" in shown[0]["message"]
    # The traceback stays in the kernel (log and Turn); the view gets a short message.
    assert "most recent call last" not in shown[0]["message"]
    assert "turn.tool_errors" in shown[0]["message"]
    assert len(shown[0]["message"].splitlines()) <= 4


def test_the_notice_shows_an_exception_message_literally():
    error = ToolError.from_exception("t", ValueError("bad *value* <b>x</b> [link](javascript:x)"))

    text = error.notice_markdown()

    assert text.startswith(r"ValueError: bad \*value\* \<b\>x\</b\> \[link\]\(javascript:x\)")


async def test_tool_error_notices_can_be_switched_off():
    chat, _ = failing_tool_chat(tool_error_notices=False)

    turn = await chat.send("upload q3")

    assert notices(chat) == []
    assert [e.tool for e in turn.tool_errors] == ["upload_report"]


async def test_the_tool_error_report_is_not_an_effect_for_handlers():
    chat, _ = failing_tool_chat()
    seen: list[Any] = []
    chat.on_effect("chatkit_widget.tool_error")(seen.append)

    turn = await chat.send("upload q3")

    assert seen == [] and turn.effects == []
    assert all(e.get("type") != "client_effect" for e in view_events(chat))


async def test_the_model_still_gets_the_sdk_message_and_the_users_formatter_runs():
    model = ScriptedModel(
        [
            [function_call("upload_report", {"name": "q3"}, call_id="call_u")],
            [assistant_message("ok")],
        ]
    )
    asked: list[str] = []

    def formatter(args: ToolErrorFormatterArgs[Any]) -> str | None:
        asked.append(args.tool_name)
        return "The upload tool is broken; tell the user."

    agent = Agent[AgentContext](name="helper", model=model, tools=[upload_report])
    server = AgentServer(
        agent,
        MemoryStore(),
        run_config=RunConfig(tracing_disabled=True, tool_error_formatter=formatter),
    )
    chat = ChatKitWidget(server)

    turn = await chat.send("upload q3")

    assert asked == ["upload_report"]
    assert [e.tool for e in turn.tool_errors] == ["upload_report"]
    assert model.last_call is not None
    outputs = [
        i["output"]
        for i in model.last_call.input
        if isinstance(i, dict) and i.get("type") == "function_call_output"
    ]
    assert outputs == ["The upload tool is broken; tell the user."]


async def test_a_working_tool_records_no_tool_errors():
    @function_tool
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    model = ScriptedModel(
        [[function_call("add", {"a": 1, "b": 2}, call_id="c")], [assistant_message("3")]]
    )
    chat = ChatKitWidget.from_agent(Agent(name="h", model=model, tools=[add]))

    turn = await chat.send("add")

    assert turn.tool_errors == [] and notices(chat) == []


# -- initial_thread that does not exist -----------------------------------------------------


async def test_missing_initial_thread_starts_a_new_chat_with_a_warning(
    caplog: pytest.LogCaptureFixture,
):
    server = ScriptedServer()
    with caplog.at_level(logging.WARNING, logger="chatkit_widget"):
        chat = ChatKitWidget(server, initial_thread="thr_missing")
        turn = await chat.send("hello")

    assert turn.ok and turn.text == "Hello there."
    assert chat.thread_id is not None and chat.thread_id != "thr_missing"
    assert any(
        "thr_missing" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records
    )


async def test_missing_initial_thread_is_announced_in_the_view_even_when_it_attaches_later():
    chat = ChatKitWidget(ScriptedServer(), initial_thread="thr_missing")
    await chat.ready()
    await settle()

    # A view that renders after the load failed asks for a snapshot.
    view_says(chat, {"type": "sync"})
    await settle()

    snapshots = [m for m in comm_of(chat).custom() if m["type"] == "snapshot"]
    assert snapshots, "the view got no snapshot"
    shown = snapshots[-1]["state"]["notices"]
    assert len(shown) == 1 and shown[0]["level"] == "warning"
    assert "thr_missing" in shown[0]["message"] and "new chat" in shown[0]["message"]
    assert chat.thread_id is None


async def test_an_existing_initial_thread_still_opens():
    server = ScriptedServer()
    first = ChatKitWidget(server)
    await first.send("hello")

    chat = ChatKitWidget(server, initial_thread=first.thread_id)
    await chat.ready()

    assert chat.thread_id == first.thread_id
    snapshots = [m["state"] for m in comm_of(chat).custom() if m["type"] == "snapshot"]
    assert snapshots and all(state["notices"] == [] for state in snapshots)
