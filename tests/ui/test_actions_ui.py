"""Issue 11 in the browser: widget actions and structured input, clicked and typed by a user
in a real JupyterLab, handled by a real ChatKitServer (``widget_servers.WidgetServer``)."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

SETUP = """
import ipywidgets as widgets
from widget_servers import WidgetServer
from chatkit_widget import ChatKitWidget
"""


def test_structured_input_is_answered_from_the_view(lab_page: LabPage):
    lab_page.write_notebook("questions.ipynb", [SETUP + "chat = ChatKitWidget(WidgetServer())\nchat"])
    lab_page.open("questions.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "questions")

    form = root.get_by_role("form", name="Questions from the assistant")
    expect(form).to_be_visible()
    expect(root.get_by_role("textbox", name="Message")).to_have_count(0)
    submit = form.get_by_role("button", name="Submit")
    expect(submit).to_be_disabled()
    lab_page.screenshot("structured-input-light", root)

    # Keyboard only: Tab into the first radio group, arrows choose, space toggles.
    form.get_by_role("radio", name="Black").focus()
    lab_page.page.keyboard.press("ArrowRight")
    expect(form.get_by_role("radio", name="Ginger")).to_be_checked()
    form.get_by_role("checkbox", name="Ball").focus()
    lab_page.page.keyboard.press("Space")
    form.locator("label", has_text="Feather").click()  # the chip, as a user clicks it
    expect(form.get_by_role("checkbox", name="Feather")).to_be_checked()
    name = form.get_by_role("textbox", name="What is the cat called?")
    name.fill("Biscuit")
    # Typing in the chat never reaches JupyterLab's notebook shortcuts.
    name.press("a")
    expect(name).to_have_value("Biscuita")
    name.press("Backspace")
    expect(form.locator(".ckw-si-count")).to_have_text("3 of 3 answered")
    name.press("Control+Enter")

    expect(form).to_have_count(0)
    expect(root.get_by_role("textbox", name="Message")).to_be_visible()
    expect(root.locator(".ckw-assistant").last).to_contain_text(
        "Thanks (color: Ginger; toys: Ball, Feather; name: Biscuit)."
    )
    rows = root.locator(".ckw-si-item-row")
    expect(rows.nth(1)).to_contain_text("Which toys?BallFeather")
    stored = lab_page.execute(
        "print([q.answer.values for q in chat.items[-2].inputs], chat.items[-2].status)"
    )
    assert stored.strip() == "[['Ginger'], ['Ball', 'Feather'], ['Biscuit']] answered"


def test_structured_input_is_skipped_and_looks_right_in_dark(lab_page: LabPage):
    lab_page.write_notebook("skip.ipynb", [SETUP + "chat = ChatKitWidget(WidgetServer())\nchat"])
    lab_page.open("skip.ipynb", theme="JupyterLab Dark")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "questions")
    form = root.get_by_role("form", name="Questions from the assistant")
    form.locator("label", has_text="Tabby").click()
    form.get_by_role("textbox", name="Which toys? Other answer").fill("Yarn")
    lab_page.screenshot("structured-input-dark", root)

    form.get_by_role("button", name="Skip").click()

    expect(form).to_have_count(0)
    expect(root.locator(".ckw-si-item-head")).to_have_text("Questions skipped")
    expect(root.locator(".ckw-assistant").last).to_contain_text("Thanks (color: skipped")
    lab_page.screenshot("structured-input-answered-dark", root)
