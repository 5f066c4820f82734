"""Specification of ``chat.send(...)``'s composer arguments, headless: attachments, tags
(notebook variables too), quoted text, tool and model choice, the composer API, and what
``from_agent`` turns them into for the model."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from agents import Agent  # noqa: E402
from agents.testing import ScriptedModel, assistant_message  # noqa: E402
from chatkit.types import (  # noqa: E402
    InferenceOptions,
    ToolChoice,
    UserMessageItem,
    UserMessageTagContent,
    UserMessageTextContent,
)

from chatkit_widget import ChatKitWidget, LocalAttachmentStore  # noqa: E402
from chatkit_widget.agents import with_inference_options  # noqa: E402
from chatkit_widget.variables import describe, search_variables  # noqa: E402

from .conftest import ScriptedServer, comm_of, settle  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def no_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


class AttachingServer(ScriptedServer):
    def __init__(self) -> None:
        super().__init__()
        self.attachment_store = LocalAttachmentStore()


def user_message(chat: ChatKitWidget) -> UserMessageItem:
    item = next(i for i in chat.items if isinstance(i, UserMessageItem))
    return item


def scripted_chat(**options: Any) -> tuple[ChatKitWidget, ScriptedModel]:
    model = ScriptedModel([[assistant_message("ok")] for _ in range(4)])
    chat = ChatKitWidget.from_agent(Agent(name="a", instructions="i", model=model), **options)
    return chat, model


def model_input(model: ScriptedModel) -> list[dict[str, Any]]:
    assert model.last_call is not None
    return [dict(item) for item in model.last_call.input]  # type: ignore[arg-type]


# -- attachments ------------------------------------------------------------------------------


async def test_send_attaches_a_path_with_its_bytes_and_type(tmp_path: Path) -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server)
    path = tmp_path / "notes.txt"
    path.write_text("some notes")
    await chat.send("read this", attachments=[path])
    (attachment,) = user_message(chat).attachments
    assert (attachment.name, attachment.mime_type) == ("notes.txt", "text/plain")
    assert server.attachment_store.read(attachment.id) == b"some notes"


async def test_send_attaches_named_bytes() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server)
    await chat.send("x", attachments=[("data.bin", b"\x00\x01")])
    (attachment,) = user_message(chat).attachments
    assert attachment.name == "data.bin"
    assert server.attachment_store.read(attachment.id) == b"\x00\x01"


async def test_send_attaches_a_dataframe_as_csv() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server)
    frame = pd.DataFrame({"city": ["Oslo", "Lima"], "temp": [3, 19]})
    await chat.send("x", attachments=[("cities.csv", frame)])
    (attachment,) = user_message(chat).attachments
    assert attachment.mime_type == "text/csv"
    data = server.attachment_store.read(attachment.id).decode()
    assert "city,temp" in data and "Lima,19" in data


async def test_send_attaches_a_matplotlib_figure_as_png() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server)
    figure, ax = plt.subplots()
    ax.plot([1, 2, 3])
    await chat.send("x", attachments=figure)
    plt.close(figure)
    (attachment,) = user_message(chat).attachments
    assert attachment.type == "image" and attachment.name == "figure.png"
    assert server.attachment_store.read(attachment.id).startswith(b"\x89PNG")


async def test_bytes_without_a_name_are_refused() -> None:
    chat = ChatKitWidget(AttachingServer())
    with pytest.raises(ValueError, match="file name"):
        await chat.send("x", attachments=[b"abc"])


async def test_a_missing_path_is_refused(tmp_path: Path) -> None:
    chat = ChatKitWidget(AttachingServer())
    with pytest.raises(ValueError, match="no such file"):
        await chat.send("x", attachments=[tmp_path / "nope.txt"])


async def test_too_large_too_many_and_unaccepted_are_refused_and_nothing_is_sent() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(
        server, attachments={"max_size": 4, "max_count": 1, "accept": {"image/*": []}}
    )
    with pytest.raises(ValueError, match="too large"):
        await chat.send("x", attachments=[("a.png", PNG)])
    with pytest.raises(ValueError, match="too many"):
        await chat.send("x", attachments=[("a.png", b"1"), ("b.png", b"2")])
    with pytest.raises(ValueError, match="not an accepted type"):
        await chat.send("x", attachments=[("a.txt", b"1")])
    assert chat.items == [] and server.seen == []
    assert len(server.attachment_store._blobs) == 0


async def test_a_server_without_attachment_support_is_refused() -> None:
    server = ScriptedServer()
    chat = ChatKitWidget(server)
    with pytest.raises(ValueError, match="does not support attachments"):
        await chat.send("x", attachments=[("a.txt", b"1")])
    assert server.seen == []


async def test_a_busy_chat_refuses_and_keeps_no_uploaded_attachment() -> None:
    server = AttachingServer()
    server.delay = 0.05
    chat = ChatKitWidget(server)
    first = chat._client.send("first")
    with pytest.raises(RuntimeError, match="already running"):
        await chat.send("x", attachments=[("a.txt", b"1")])
    await first
    assert len(server.attachment_store._blobs) == 0


async def test_attachments_alone_make_a_message() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server)
    await chat.send(attachments=[("a.txt", b"1")])
    assert user_message(chat).content == []


# -- quoted text, tool and model --------------------------------------------------------------


async def test_quoted_text_tool_and_model_reach_the_user_message() -> None:
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("why?", quoted_text="the sky is blue", tool_choice="search", model="m1")
    item = user_message(chat)
    assert item.quoted_text == "the sky is blue"
    assert item.inference_options == InferenceOptions(
        tool_choice=ToolChoice(id="search"), model="m1"
    )


async def test_tool_and_model_must_be_among_the_configured_ones() -> None:
    chat = ChatKitWidget(
        ScriptedServer(),
        tools=[{"id": "search", "label": "Search"}],
        models=[{"id": "small", "label": "Small"}, {"id": "off", "label": "Off", "disabled": True}],
    )
    with pytest.raises(ValueError, match="unknown tool"):
        await chat.send("x", tool_choice="draw")
    with pytest.raises(ValueError, match="unknown model"):
        await chat.send("x", model="huge")
    with pytest.raises(ValueError, match="disabled"):
        await chat.send("x", model="off")
    assert chat.items == []


async def test_the_default_model_is_sent_when_none_is_chosen() -> None:
    chat = ChatKitWidget(
        ScriptedServer(),
        models=[{"id": "a", "label": "A"}, {"id": "b", "label": "B", "default": True}],
    )
    await chat.send("x")
    assert user_message(chat).inference_options.model == "b"


async def test_from_agent_forces_the_chosen_tool() -> None:
    chat, model = scripted_chat()
    await chat.send("x", tool_choice="lookup")
    assert model.last_call is not None
    assert model.last_call.model_settings.tool_choice == "lookup"


def test_the_chosen_model_replaces_a_named_model_only() -> None:
    options = InferenceOptions(model="gpt-small")
    assert with_inference_options(Agent(name="a", model="gpt-big"), options).model == "gpt-small"
    scripted = ScriptedModel([])
    assert with_inference_options(Agent(name="a", model=scripted), options).model is scripted


async def test_from_agent_gives_the_model_the_quote() -> None:
    chat, model = scripted_chat()
    await chat.send("why?", quoted_text="the sky is blue")
    texts = [part["text"] for m in model_input(model) for part in m["content"]]
    assert any("the sky is blue" in t for t in texts)


# -- attachments for the model ----------------------------------------------------------------


async def test_from_agent_gives_images_as_input_image_and_csv_as_text() -> None:
    chat, model = scripted_chat(attachments=True)
    frame = pd.DataFrame({"k": [1, 2]})
    await chat.send("see", attachments=[("p.png", PNG), ("k.csv", frame)])
    parts = model_input(model)[0]["content"]
    image = next(p for p in parts if p["type"] == "input_image")
    assert image["image_url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    text = next(p for p in parts if p["type"] == "input_text" and "k.csv" in p["text"])
    assert "k\n0,1\n1,2" in text["text"]


async def test_from_agent_gives_a_pdf_as_input_file() -> None:
    chat, model = scripted_chat(attachments=True)
    await chat.send("see", attachments=[("doc.pdf", b"%PDF-1.4 tiny")])
    part = next(p for p in model_input(model)[0]["content"] if p["type"] == "input_file")
    assert part["filename"] == "doc.pdf"
    assert part["file_data"].startswith("data:application/pdf;base64,")


async def test_from_agent_keeps_attachments_on_disk_next_to_a_sqlite_store(tmp_path: Path) -> None:
    from chatkit_widget import SQLiteStore

    model = ScriptedModel([[assistant_message("ok")]])
    with SQLiteStore(tmp_path / "c.db") as store:
        chat = ChatKitWidget.from_agent(Agent(name="a", model=model), store=store)
        await chat.send("x", attachments=[("a.txt", b"kept")])
    (attachment,) = user_message(chat).attachments
    assert (tmp_path / "c.db.attachments" / attachment.id).read_bytes() == b"kept"


# -- tags -------------------------------------------------------------------------------------


async def test_a_tag_takes_the_place_of_its_mention_in_the_text() -> None:
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("ask @Ada about it", tags=[{"id": "u1", "title": "Ada", "data": {"x": 1}}])
    assert user_message(chat).content == [
        UserMessageTextContent(text="ask "),
        UserMessageTagContent(id="u1", text="Ada", data={"x": 1}),
        UserMessageTextContent(text=" about it"),
    ]


async def test_a_tag_not_mentioned_follows_the_text() -> None:
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("about", tags=[{"id": "u1", "title": "Ada"}])
    assert [p.type for p in user_message(chat).content] == ["input_text", "input_text", "input_tag"]


async def test_a_variable_tag_carries_a_description_taken_at_send_time() -> None:
    chat = ChatKitWidget(ScriptedServer(), tag_search="variables")
    sales = pd.DataFrame({"region": ["N", "S"], "amount": [1.5, 2.0]})
    chat._composer.namespace = {"sales": sales}
    await chat.send("sum @sales", tags=["sales"])
    tag = user_message(chat).content[1]
    assert isinstance(tag, UserMessageTagContent) and tag.data["name"] == "sales"
    description = tag.data["description"]
    assert "shape 2 rows × 2 columns" in description
    assert "region" in description and "amount: float64" in description


async def test_tagging_a_missing_variable_or_a_bad_tag_is_refused() -> None:
    chat = ChatKitWidget(ScriptedServer())
    chat._composer.namespace = {}
    with pytest.raises(ValueError, match="no notebook variable"):
        await chat.send("x", tags=["nope"])
    with pytest.raises(ValueError, match="entity dict"):
        await chat.send("x", tags=[42])
    assert chat.items == []


async def test_from_agent_gives_the_model_the_variable_description() -> None:
    chat, model = scripted_chat(tag_search="variables")
    chat._composer.namespace = {"grid": np.zeros((3, 4), dtype=np.int16)}
    await chat.send("what is @grid", tags=["grid"])
    texts = [part.get("text", "") for m in model_input(model) for part in m["content"]]
    assert any("shape (3, 4), dtype int16" in t for t in texts)
    assert any(t == "what is @grid" for t in texts)


async def test_from_agent_gives_the_model_an_entity_tag_with_its_data() -> None:
    chat, model = scripted_chat()
    await chat.send("about @Ada", tags=[{"id": "u1", "title": "Ada", "data": {"role": "admin"}}])
    texts = [part.get("text", "") for m in model_input(model) for part in m["content"]]
    assert any("@Ada" in t and "u1" in t and "admin" in t for t in texts)


async def test_a_view_may_tag_only_the_variables_the_menu_offers() -> None:
    server = ScriptedServer()
    chat = ChatKitWidget(server, tag_search="variables")
    chat._composer.namespace = {"sales": pd.DataFrame({"a": [1]}), "token": "s3cret"}

    def send_tag(name: str) -> None:
        tag = {"type": "input_tag", "id": f"var:{name}", "text": name}
        tag["data"] = {"kind": "variable", "name": name}
        chat._handle_msg(
            {
                "content": {
                    "data": {
                        "method": "custom",
                        "content": {"type": "send", "text": "x", "content": [tag]},
                    }
                },
                "buffers": [],
            }
        )

    send_tag("token")
    await settle(0.1)
    assert server.seen == []
    chat.tag_search = None
    send_tag("sales")
    await settle(0.1)
    assert server.seen == []
    chat.tag_search = "variables"
    send_tag("sales")
    await settle(0.2)
    assert len(server.seen) == 1
    notices = [
        e["message"]
        for m in comm_of(chat).custom()
        if m["type"] == "batch"
        for e in m["events"]
        if e["type"] == "notice"
    ]
    assert notices == [
        "the notebook variable token cannot be tagged",
        "the notebook variable sales cannot be tagged",
    ]


def test_variable_search_offers_frames_arrays_figures_and_the_notebooks_functions() -> None:
    figure = plt.figure()

    def helper(x: int) -> int:
        return x

    helper.__module__ = "__main__"  # as if defined in a notebook cell
    namespace = {
        "describe": describe,  # imported, not the notebook's own
        "df": pd.DataFrame({"a": [1]}),
        "arr": np.arange(3),
        "fig": figure,
        "helper": helper,
        "n": 3,
        "_hidden": pd.DataFrame(),
    }
    found = {e["title"]: e["data"]["kind"] for e in search_variables("", namespace)}
    plt.close(figure)
    assert set(found) == {"df", "arr", "fig", "helper"}
    assert [e["title"] for e in search_variables("ar", namespace)] == ["arr"]


def test_a_description_is_bounded() -> None:
    assert len(describe("big", pd.DataFrame(np.zeros((1000, 200))))) <= 2000
    assert len(describe("s", "x" * 10_000)) <= 2000


async def test_tag_search_combines_the_handler_and_the_variables() -> None:
    chat = ChatKitWidget(ScriptedServer(), tag_search="variables")
    chat._composer.namespace = {"df1": pd.DataFrame()}

    @chat.on_tag_search
    async def search(query: str) -> list[dict[str, Any]]:
        return [{"id": "p1", "title": f"Project {query}"}]

    assert chat._entities == {"tag_search": True}
    found = await chat._composer.search("df")
    assert [e["title"] for e in found] == ["Project df", "df1"]


async def test_entity_preview_returns_the_widget_json_and_click_calls_python() -> None:
    from chatkit.widgets import Card, Text

    chat = ChatKitWidget(ScriptedServer())
    clicked: list[str] = []

    @chat.on_entity_click
    def click(entity: dict[str, Any]) -> None:
        clicked.append(entity["id"])

    @chat.on_entity_preview
    def preview(entity: dict[str, Any]) -> Card:
        return Card(children=[Text(value=entity["title"])])

    widget = await chat._composer.preview({"id": "p1", "title": "Project"})
    assert widget["type"] == "Card" and widget["children"][0]["value"] == "Project"
    chat._handle_msg(
        {
            "content": {
                "data": {
                    "method": "custom",
                    "content": {"type": "entity_click", "entity": {"id": "p1"}},
                }
            },
            "buffers": [],
        }
    )
    await settle()
    assert clicked == ["p1"]


# -- composer API -----------------------------------------------------------------------------


async def test_set_composer_value_fills_every_view() -> None:
    chat = ChatKitWidget(AttachingServer(), attachments=True, tools=[{"id": "t", "label": "T"}])
    chat.set_composer_value("draft", attachments=[("a.txt", b"1")], tool="t")
    await settle(0.1)
    message = [m for m in comm_of(chat).custom() if m["type"] == "composer"][-1]
    assert message["command"] == "set_value" and message["text"] == "draft"
    assert message["tool"] == "t"
    assert [a["name"] for a in message["attachments"]] == ["a.txt"]


async def test_set_composer_value_refuses_an_unknown_tool() -> None:
    chat = ChatKitWidget(ScriptedServer(), tools=[{"id": "t", "label": "T"}])
    with pytest.raises(ValueError, match="unknown tool"):
        chat.set_composer_value("x", tool="nope")


def test_focus_composer_tells_the_views() -> None:
    chat = ChatKitWidget(ScriptedServer())
    chat.focus_composer()
    assert {"type": "composer", "command": "focus"} in comm_of(chat).custom()


def test_composer_options_are_off_by_default() -> None:
    chat = ChatKitWidget(ScriptedServer())
    assert (chat.attachments, chat.tools, chat.models, chat.dictation, chat.tag_search) == (
        None,
        [],
        [],
        False,
        None,
    )
    assert ChatKitWidget(ScriptedServer(), attachments=True).attachments == {"enabled": True}
