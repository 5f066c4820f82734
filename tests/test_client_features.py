"""Progress, client effects, client tools and lifecycle hooks, answered in Python.

Every pattern of both seeds (shared/seeds/), driven headless through real servers: the
Agents SDK with ``agents.testing.ScriptedModel`` and plain ``ChatKitServer`` subclasses.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import Any

import ipywidgets
import plotly.graph_objects as go
import pytest
import traitlets
from agents import Agent, RunContextWrapper, function_tool
from agents.testing import ScriptedModel, assistant_message, function_call
from chatkit.agents import AgentContext
from chatkit.server import ChatKitServer
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ClientEffectEvent,
    ClientToolCallItem,
    ProgressUpdateEvent,
    ThreadItemDoneEvent,
    ThreadMetadata,
)
from pydantic import BaseModel

from chatkit_widget import ChatKitWidget, MemoryStore

from .conftest import ScriptedServer, comm_of, settle


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def agent_chat(
    *steps: Any, tools: list[Any] | None = None, store: Any = None
) -> tuple[ChatKitWidget, ScriptedModel]:
    model = ScriptedModel(list(steps))
    agent = Agent(name="helper", instructions="Help.", model=model, tools=tools or [])
    return ChatKitWidget.from_agent(agent, store=store or MemoryStore()), model


def view_events(chat: ChatKitWidget) -> list[dict[str, Any]]:
    return [e for m in comm_of(chat).custom() if m["type"] == "batch" for e in m["events"]]


def function_outputs(model: ScriptedModel) -> list[Any]:
    """The function_call_output items the model's last call saw, decoded."""
    assert model.last_call is not None
    return [
        json.loads(item["output"])
        for item in model.last_call.input
        if isinstance(item, dict) and item.get("type") == "function_call_output"
    ]


def effects_server(*effects: ClientEffectEvent) -> ScriptedServer:
    return ScriptedServer(before=lambda thread: list(effects))


# -- progress -----------------------------------------------------------------------------


async def test_progress_from_respond_reaches_the_turn_and_views_but_not_the_store():
    server = ScriptedServer(
        before=lambda t: [ProgressUpdateEvent(icon="search", text="Searching tickets...")]
    )
    chat = ChatKitWidget(server)
    turn = await chat.send("find my tickets")

    assert [p.text for p in turn.progress] == ["Searching tickets..."]
    assert {
        "type": "progress_update",
        "icon": "search",
        "text": "Searching tickets...",
    } in view_events(chat)
    stored = await server.store.load_thread_items(chat.thread_id, None, 50, "asc", {})
    assert all("Searching" not in json.dumps(i.model_dump(mode="json")) for i in stored.data)


async def test_progress_from_a_tool_streams_through_agent_context():
    @function_tool
    async def ingest_files(ctx: RunContextWrapper[AgentContext], paths: list[str]) -> str:
        """Ingest files."""
        await ctx.context.stream(ProgressUpdateEvent(icon="document", text="Uploading..."))
        await ctx.context.stream(ProgressUpdateEvent(icon="check", text="Done"))
        return "ingested"

    chat, _ = agent_chat(
        [function_call("ingest_files", {"paths": ["a.csv"]}, call_id="c1")],
        [assistant_message("Ingested a.csv.")],
        tools=[ingest_files],
    )
    turn = await chat.send("ingest a.csv")
    assert [p.text for p in turn.progress] == ["Uploading...", "Done"]
    assert turn.text == "Ingested a.csv."


# -- client effects -------------------------------------------------------------------------


async def test_an_effect_sets_a_slider_through_its_python_handler():
    slider = ipywidgets.IntSlider(value=0, max=100)
    chat = ChatKitWidget(
        effects_server(
            ClientEffectEvent(
                name="update_status", data={"state": {"energy": 80}, "flash": "Updated!"}
            )
        )
    )
    flashes: list[str] = []

    @chat.on_effect("update_status")
    def _(data: dict[str, Any]) -> None:
        slider.value = data["state"]["energy"]
        flashes.append(data["flash"])

    turn = await chat.send("feed the pet")
    assert slider.value == 80
    assert flashes == ["Updated!"]
    assert [e.name for e in turn.effects] == ["update_status"]


async def test_an_effect_updates_a_plot():
    fig = go.FigureWidget(data=[go.Scatter(x=[0], y=[0])])
    chat = ChatKitWidget(
        effects_server(ClientEffectEvent(name="plot", data={"x": [1, 2, 3], "y": [4, 1, 9]}))
    )

    @chat.on_effect("plot")
    def _(data: dict[str, Any]) -> None:
        fig.data[0].x, fig.data[0].y = data["x"], data["y"]

    await chat.send("plot it")
    assert list(fig.data[0].y) == [4, 1, 9]


async def test_effects_from_a_tool_are_dispatched_in_stream_order():
    @function_tool
    async def highlight_text(ctx: RunContextWrapper[AgentContext], index: int, length: int) -> str:
        """Highlight text."""
        await ctx.context.stream(
            ClientEffectEvent(name="highlight_text", data={"index": index, "length": length})
        )
        await ctx.context.stream(
            ClientEffectEvent(name="show_notification", data={"message": "Task completed!"})
        )
        return "ok"

    chat, _ = agent_chat(
        [function_call("highlight_text", {"index": 142, "length": 35}, call_id="c1")],
        [assistant_message("Highlighted.")],
        tools=[highlight_text],
    )
    seen: list[tuple[str, Any]] = []
    chat.on_effect("highlight_text")(lambda d: seen.append(("highlight", d["index"])))
    chat.on_effect("show_notification")(lambda d: seen.append(("toast", d["message"])))

    await chat.send("highlight")
    assert seen == [("highlight", 142), ("toast", "Task completed!")]


async def test_a_slow_async_effect_handler_does_not_hold_up_the_stream():
    release = asyncio.Event()
    finished: list[str] = []
    chat = ChatKitWidget(effects_server(ClientEffectEvent(name="slow", data={})))

    @chat.on_effect("slow")
    async def _(data: dict[str, Any]) -> None:
        await release.wait()
        finished.append("handler")

    turn = await chat.send("go")
    assert turn.text == "Hello there." and finished == []  # the turn ended first
    release.set()
    await settle()
    assert finished == ["handler"]


async def test_a_raising_effect_handler_is_reported_and_the_stream_goes_on(caplog):
    chat = ChatKitWidget(effects_server(ClientEffectEvent(name="boom", data={})))

    @chat.on_effect("boom")
    def _(data: dict[str, Any]) -> None:
        raise ValueError("bad marker")

    with caplog.at_level(logging.ERROR, logger="chatkit_widget"):
        turn = await chat.send("go")
    assert turn.text == "Hello there." and turn.error is None
    notices = [e for e in view_events(chat) if e["type"] == "notice"]
    assert notices and "bad marker" in notices[0]["message"]
    assert any("boom" in r.getMessage() for r in caplog.records)


async def test_unknown_effects_warn_once_per_name_and_stay_in_the_turn(caplog):
    chat = ChatKitWidget(
        effects_server(
            ClientEffectEvent(name="mystery", data={}), ClientEffectEvent(name="mystery", data={})
        )
    )
    with caplog.at_level(logging.WARNING, logger="chatkit_widget"):
        turn = await chat.send("go")
        await chat.send("again")
    assert [e.name for e in turn.effects] == ["mystery", "mystery"]
    assert len([r for r in caplog.records if "mystery" in r.getMessage()]) == 1


async def test_effects_are_never_stored():
    server = effects_server(ClientEffectEvent(name="x", data={"secret": "zzz"}))
    chat = ChatKitWidget(server)
    await chat.send("go")
    stored = await server.store.load_thread_items(chat.thread_id, None, 50, "asc", {})
    assert "zzz" not in json.dumps([i.model_dump(mode="json") for i in stored.data])


# -- client tools ---------------------------------------------------------------------------


async def test_a_client_tool_answers_from_a_widget_and_the_run_resumes_with_its_output():
    picker = ipywidgets.SelectMultiple(options=["a", "b", "c"], value=["a", "c"])
    chat, model = agent_chat(
        [function_call("get_selected_items", {}, call_id="c1")],
        [assistant_message("You selected a and c.")],
    )
    responding_inside: list[bool] = []

    @chat.client_tool("get_selected_items")
    def _(params: dict[str, Any]) -> dict[str, Any]:
        """Get the items currently selected."""
        responding_inside.append(chat.is_responding)
        return {"itemIds": list(picker.value)}

    starts: list[str] = []
    chat.on_response_start(lambda: starts.append("start"))
    chat.on_response_end(lambda: starts.append("end"))

    turn = await chat.send("what did I select?")

    assert function_outputs(model) == [{"itemIds": ["a", "c"]}]
    assert turn.text == "You selected a and c."
    assert responding_inside == [True]
    assert starts == ["start", "end"]  # one response for the user, round trip included
    calls = [i for i in chat.items if isinstance(i, ClientToolCallItem)]
    assert [(c.name, c.status, c.output) for c in calls] == [
        ("get_selected_items", "completed", {"itemIds": ["a", "c"]})
    ]


async def test_a_client_tool_with_a_pydantic_result_and_async_handler():
    class Viewport(BaseModel):
        center: tuple[float, float]
        zoom: int

    chat, model = agent_chat(
        [function_call("get_current_viewport", {}, call_id="c1")],
        [assistant_message("Zoom 7.")],
    )

    @chat.client_tool("get_current_viewport")
    async def _(params: dict[str, Any]) -> Viewport:
        return Viewport(center=(52.5, 13.4), zoom=7)

    await chat.send("where am I?")
    assert function_outputs(model) == [{"center": [52.5, 13.4], "zoom": 7}]


class ClientToolServer(ChatKitServer[dict[str, Any]]):
    """A plain ChatKitServer that asks the client for ``tool`` and then reports what it
    got back (how a custom pipeline uses client tools, without the Agents SDK)."""

    def __init__(self, tool: str) -> None:
        super().__init__(MemoryStore())
        self.tool = tool
        self.outputs: list[Any] = []

    async def respond(self, thread, input_user_message, context):  # type: ignore[override]
        now = datetime.now()
        if input_user_message is not None:
            yield ThreadItemDoneEvent(
                item=ClientToolCallItem(
                    id=self.store.generate_item_id("tool_call", thread, context),
                    thread_id=thread.id,
                    created_at=now,
                    call_id="call_1",
                    name=self.tool,
                    arguments={"form": "signup"},
                )
            )
            return
        items = await self.store.load_thread_items(thread.id, None, 1, "desc", context)
        [call] = items.data
        self.outputs.append(call.output)
        yield ThreadItemDoneEvent(
            item=AssistantMessageItem(
                id=self.store.generate_item_id("message", thread, context),
                thread_id=thread.id,
                created_at=now,
                content=[AssistantMessageContent(text=f"got {call.output}")],
            )
        )


async def test_a_plain_server_client_tool_round_trip():
    server = ClientToolServer("get_form_values")
    chat = ChatKitWidget(server)
    chat.client_tool("get_form_values")(lambda params: {"name": "Ada", "form": params["form"]})
    turn = await chat.send("fill it")
    assert server.outputs == [{"name": "Ada", "form": "signup"}]
    assert turn.text == "got {'name': 'Ada', 'form': 'signup'}"


@pytest.mark.parametrize(
    ("register", "expected"),
    [
        (None, "unknown client tool 'get_form_values'"),
        (lambda params: 1 / 0, "ZeroDivisionError"),
        (lambda params: {"when": object()}, "serializ"),
    ],
    ids=["unknown-tool", "raising-handler", "unserializable-result"],
)
async def test_a_failing_client_tool_gives_the_model_an_error_and_leaves_nothing_pending(
    register, expected
):
    server = ClientToolServer("get_form_values")
    chat = ChatKitWidget(server)
    if register is not None:
        chat.client_tool("get_form_values")(register)

    turn = await chat.send("read the form")

    [output] = server.outputs
    assert expected in output["error"]
    assert turn.text.startswith("got {'error'")
    assert any(e["type"] == "notice" for e in view_events(chat))
    stored = await server.store.load_thread_items(chat.thread_id, None, 50, "asc", {})
    calls = [i for i in stored.data if isinstance(i, ClientToolCallItem)]
    assert [c.status for c in calls] == ["completed"]
    assert [i.status for i in chat.items if isinstance(i, ClientToolCallItem)] == ["completed"]


async def test_a_client_tool_loop_is_stopped_with_a_clear_error():
    steps = [[function_call("poll", {}, call_id=f"c{n}")] for n in range(4)]
    chat, _ = agent_chat(*steps)
    chat.max_client_tool_round_trips = 2
    chat.client_tool("poll")(lambda params: {"ready": False})
    errors: list[Any] = []
    chat.on_error(errors.append)

    turn = await chat.send("wait until ready")

    assert turn.error is not None and "2 client tool round trips" in (turn.error.message or "")
    assert errors == [turn.error]
    assert chat.is_responding is False
    stored = await chat.server.store.load_thread_items(chat.thread_id, None, 50, "asc", {})
    assert not [
        i for i in stored.data if isinstance(i, ClientToolCallItem) and i.status == "pending"
    ]


async def test_a_pending_client_tool_call_in_history_is_never_run_again():
    store = MemoryStore()
    thread = ThreadMetadata(id="thr_old", created_at="2026-01-01T00:00:00")
    await store.save_thread(thread, {})
    await store.add_thread_item(
        "thr_old",
        ClientToolCallItem(
            id="tc_1",
            thread_id="thr_old",
            created_at="2026-01-01T00:00:01",
            call_id="c1",
            name="get_selected_items",
            arguments={},
        ),
        {},
    )
    chat, _ = agent_chat(store=store)
    calls: list[Any] = []
    chat.client_tool("get_selected_items")(calls.append)

    await chat.open_thread("thr_old")
    await settle()
    assert calls == [] and chat.is_responding is False


# -- lifecycle ------------------------------------------------------------------------------


def record_lifecycle(chat: ChatKitWidget) -> list[str]:
    log: list[str] = []
    chat.on_response_start(lambda: log.append(f"start responding={chat.is_responding}"))
    chat.on_response_end(lambda: log.append(f"end responding={chat.is_responding}"))
    chat.on_error(lambda error: log.append("error"))
    return log


async def test_lifecycle_on_success_is_start_then_end():
    chat = ChatKitWidget(ScriptedServer())
    log = record_lifecycle(chat)
    await chat.send("hi")
    assert log == ["start responding=True", "end responding=False"]


async def test_lifecycle_on_error_fires_on_error_and_still_ends():
    chat = ChatKitWidget(ScriptedServer(fail_after=1))
    log = record_lifecycle(chat)
    await chat.send("hi")
    assert log == ["start responding=True", "error", "end responding=False"]


async def test_lifecycle_on_cancel_still_ends_and_unlocks():
    chat = ChatKitWidget(ScriptedServer(delay=0.01, deltas=["a"] * 100))
    log = record_lifecycle(chat)
    task = asyncio.create_task(chat.send("hi"))
    await asyncio.sleep(0.05)
    chat.cancel()
    assert (await task).cancelled
    assert log == ["start responding=True", "end responding=False"]


async def test_a_raising_lifecycle_hook_does_not_keep_the_ui_locked(caplog):
    chat = ChatKitWidget(ScriptedServer())
    chat.on_response_end(lambda: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="chatkit_widget"):
        turn = await chat.send("hi")
    assert turn.text == "Hello there." and chat.is_responding is False


async def test_dlink_of_is_responding_locks_a_slider_during_the_response_and_unlocks_after_an_error():
    slider = ipywidgets.IntSlider()
    chat = ChatKitWidget(ScriptedServer(fail_after=3, delay=0.01))
    traitlets.dlink((chat, "is_responding"), (slider, "disabled"))
    task = asyncio.create_task(chat.send("hi"))
    await asyncio.sleep(0.015)
    assert slider.disabled is True
    turn = await task
    assert turn.error is not None
    assert slider.disabled is False


async def test_thread_hooks_fire_on_new_open_and_delete():
    store = MemoryStore()
    chat = ChatKitWidget(ScriptedServer(store))
    log: list[str] = []
    chat.on_thread_change(lambda tid: log.append(f"change {tid}"))
    chat.on_thread_load_start(lambda tid: log.append(f"load_start {tid}"))
    chat.on_thread_load_end(lambda tid: log.append(f"load_end {tid}"))

    await chat.send("first")
    first = chat.thread_id
    await chat.new_thread()
    await chat.send("second")
    second = chat.thread_id
    await chat.open_thread(first)
    await chat.delete_thread(first)

    assert log == [
        f"change {first}",
        "change None",
        f"change {second}",
        f"load_start {first}",
        f"change {first}",
        f"load_end {first}",
        "change None",
    ]
    assert chat.thread_id is None


async def test_setting_thread_id_opens_that_thread():
    store = MemoryStore()
    writer = ChatKitWidget(ScriptedServer(store))
    await writer.send("hello")
    reader = ChatKitWidget(ScriptedServer(store))
    loaded: list[str] = []
    # By load end the thread is on show (ChatKit.js's onThreadLoadEnd).
    reader.on_thread_load_end(lambda tid: loaded.append((tid, len(reader.items))))

    reader.thread_id = writer.thread_id
    await settle()
    assert loaded == [(writer.thread_id, 2)]
    assert [i.id for i in reader.items] == [i.id for i in writer.items]
