"""Issue 4 in the browser: the chat drives the notebook's other widgets.

A client effect changes a slider's readout, a client tool answers from a dropdown the user
set in the page, ``is_responding`` locks a slider while the reply streams, and a progress
line shows while the server works.
"""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

SETUP = """
import ipywidgets as widgets
import traitlets
from chatkit.types import ClientEffectEvent
from servers import PacedServer
from chatkit_widget import ChatKitWidget
"""


def output_area(lab_page: LabPage):
    return lab_page.page.locator(".jp-OutputArea-output").first


def slider(lab_page: LabPage, description: str):
    return lab_page.page.locator(".widget-slider", has_text=description)


def test_a_client_effect_changes_another_widget(lab_page: LabPage):
    lab_page.write_notebook(
        "effect.ipynb",
        [
            SETUP
            + """
level = widgets.IntSlider(value=0, min=0, max=100, description="Level")
chat = ChatKitWidget(PacedServer("Level set.", effects=[
    ClientEffectEvent(name="set_level", data={"value": 42})]))

@chat.on_effect("set_level")
def set_level(data):
    level.value = data["value"]

widgets.VBox([level, chat])
""",
        ],
    )
    lab_page.open("effect.ipynb")
    lab_page.run_all()
    readout = slider(lab_page, "Level").locator(".widget-readout")
    expect(readout).to_have_text("0")

    type_and_send(lab_page, "set the level")

    expect(chat_root(lab_page).locator(".ckw-assistant").last).to_contain_text("Level set.")
    expect(readout).to_have_text("42")
    # An effect is not part of the conversation: nothing but the two messages shows.
    expect(chat_root(lab_page).locator(".ckw-item")).to_have_count(2)
    lab_page.screenshot("features-effect-slider", output_area(lab_page))


def test_a_client_tool_answers_from_a_widget_the_user_set(lab_page: LabPage):
    lab_page.write_notebook(
        "tool.ipynb",
        [
            SETUP
            + """
fruit = widgets.Dropdown(options=["apple", "banana", "cherry"], value="apple", description="Fruit")
chat = ChatKitWidget(PacedServer(client_tool="get_choice"))

@chat.client_tool("get_choice")
def get_choice(params):
    return {"fruit": fruit.value}

widgets.VBox([fruit, chat])
""",
        ],
    )
    lab_page.open("tool.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    # The user picks a value in the page; the kernel-side handler must see it.
    picker = lab_page.page.locator(".widget-dropdown", has_text="Fruit").locator("select")
    picker.select_option("cherry")

    type_and_send(lab_page, "which fruit did I pick?")

    reply = root.locator(".ckw-assistant").last
    expect(reply).to_contain_text("The tool said")
    expect(reply).to_contain_text("cherry")
    expect(reply).not_to_contain_text("apple")
    tool = root.locator(".ckw-tool")
    expect(tool).to_have_count(1)
    expect(tool).to_contain_text("get_choice")
    expect(tool).to_have_attribute("data-status", "completed")
    expect(root.get_by_role("textbox", name="Message")).to_be_enabled()
    lab_page.screenshot("features-client-tool", root)


def test_is_responding_locks_a_slider_while_the_reply_streams(lab_page: LabPage):
    reply = " ".join(f"w{n}" for n in range(80))  # 80 deltas of 4 characters: ≈ 5 s
    lab_page.write_notebook(
        "lock.ipynb",
        [
            SETUP
            + f"""
knob = widgets.IntSlider(value=5, min=0, max=10, description="Knob")
chat = ChatKitWidget(PacedServer({reply!r}, delay=0.06))
traitlets.dlink((chat, "is_responding"), (knob, "disabled"))
widgets.VBox([knob, chat])
""",
        ],
    )
    lab_page.open("lock.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    knob = slider(lab_page, "Knob")
    track, readout = knob.locator(".slider"), knob.locator(".widget-readout")
    expect(track).not_to_have_attribute("disabled", "true")
    expect(readout).to_have_attribute("contenteditable", "true")

    type_and_send(lab_page, "take your time")

    # Mid-stream: the reply has started but not finished, and the slider is locked.
    expect(root.locator(".ckw-assistant").last).to_contain_text("w1")
    expect(track).to_have_attribute("disabled", "true")
    expect(readout).to_have_attribute("contenteditable", "false")
    assert "w79" not in root.locator(".ckw-assistant").last.inner_text()
    expect(root.get_by_role("button", name="Stop")).to_be_visible()
    lab_page.screenshot("features-locked-slider", output_area(lab_page))

    expect(root.locator(".ckw-assistant").last).to_contain_text("w79", timeout=20_000)
    expect(track).not_to_have_attribute("disabled", "true")
    expect(readout).to_have_attribute("contenteditable", "true")


def test_progress_shows_while_the_server_works_and_goes_after(lab_page: LabPage):
    lab_page.write_notebook(
        "progress.ipynb",
        [
            SETUP + "chat = ChatKitWidget(PacedServer('Found it in the archive.', "
            "progress='Searching the archive…', progress_for=2.0))\nchat",
        ],
    )
    lab_page.open("progress.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)

    type_and_send(lab_page, "find it")

    progress = root.locator(".ckw-progress")
    expect(progress).to_be_visible()
    expect(progress).to_have_text("Searching the archive…")
    # The progress line replaces the typing dots.
    expect(root.locator(".ckw-typing")).to_have_count(0)
    lab_page.screenshot("features-progress", root)

    reply = root.locator(".ckw-assistant").last
    expect(reply).to_have_text("Found it in the archive.", timeout=20_000)
    expect(root.get_by_role("button", name="Stop")).to_be_hidden()
    expect(progress).to_have_count(0)
