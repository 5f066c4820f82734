"""The model sees a bounded window of the thread's newest items (``history_limit``), so a
turn's cost does not grow with the thread; ``None`` sends the whole thread."""

from __future__ import annotations

from typing import Any

import pytest
from agents import Agent
from agents.testing import ScriptedModel, assistant_message
from chatkit.agents import AgentContext

from chatkit_widget import ChatKitWidget
from chatkit_widget.agents import DEFAULT_HISTORY_LIMIT, AgentServer
from chatkit_widget.stores import MemoryStore

from .test_agents import add_message, create_thread, input_of, no_errors


@pytest.fixture(autouse=True)
def no_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def replies(n: int) -> ScriptedModel:
    return ScriptedModel([[assistant_message(f"answer {i}", item_id=f"msg_{i}")] for i in range(n)])


def seen(model: ScriptedModel) -> list[tuple[str, str]]:
    return [(m["role"], m["content"][0]["text"]) for m in input_of(model.last_call)]


def server_for(model: ScriptedModel, **kwargs: Any) -> AgentServer:
    agent = Agent[AgentContext](name="Assistant", instructions="Be brief.", model=model)
    return AgentServer(agent, MemoryStore(), **kwargs)


async def test_the_model_sees_only_the_newest_items_oldest_first():
    model = replies(4)
    server = server_for(model, history_limit=3)
    thread_id, _ = await create_thread(server, "q0")
    for n in range(1, 4):
        no_errors(await add_message(server, thread_id, f"q{n}"))
    assert seen(model) == [("user", "q2"), ("assistant", "answer 2"), ("user", "q3")]


async def test_history_limit_none_sends_the_whole_thread():
    model = replies(3)
    server = server_for(model, history_limit=None)
    thread_id, _ = await create_thread(server, "q0")
    for n in range(1, 3):
        no_errors(await add_message(server, thread_id, f"q{n}"))
    assert [text for _, text in seen(model)] == ["q0", "answer 0", "q1", "answer 1", "q2"]


def test_the_default_window_is_documented_and_bad_values_are_refused():
    model = replies(1)
    assert server_for(model).history_limit == DEFAULT_HISTORY_LIMIT
    assert "history_limit" in (AgentServer.__doc__ or "")
    for bad in (0, -1, 2.5, "10"):
        with pytest.raises((ValueError, TypeError), match="history_limit"):
            server_for(model, history_limit=bad)


async def test_from_agent_passes_the_window_on():
    model = replies(3)
    agent = Agent[AgentContext](name="Assistant", instructions="Be brief.", model=model)
    chat = ChatKitWidget.from_agent(agent, history_limit=2)
    for n in range(3):
        assert (await chat.send(f"q{n}")).ok
    assert seen(model) == [("assistant", "answer 1"), ("user", "q2")]
