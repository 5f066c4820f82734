"""Issue 11 in the browser: widget actions and structured input, clicked and typed by a user
in a real JupyterLab, handled by a real ChatKitServer (``action_servers.WidgetServer``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

SETUP = """
import ipywidgets as widgets
from action_servers import FlakyActionServer, WidgetServer
from chatkit_widget import ChatKitWidget
"""


def test_structured_input_is_answered_from_the_view(lab_page: LabPage):
    lab_page.write_notebook(
        "questions.ipynb", [SETUP + "chat = ChatKitWidget(WidgetServer())\nchat"]
    )
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


def test_the_answered_summary_pairs_each_question_with_its_answers(lab_page: LabPage):
    # JupyterLab styles every <dl> in an output (floats, dt 20 % wide): the summary's grid
    # must still put each question beside its answers, one row per question.
    # Beside a plot in an HBox, as in notebooks/09-widgets.
    lab_page.write_notebook(
        "summary.ipynb",
        [
            SETUP + "chat = ChatKitWidget(WidgetServer())\n"
            "widgets.HBox([widgets.Label('plot', layout=widgets.Layout(width='45%')), chat])"
        ],
    )
    lab_page.open("summary.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "questions")
    form = root.get_by_role("form", name="Questions from the assistant")
    form.locator("label", has_text="Tabby").click()
    form.locator("label", has_text="Ball").click()
    form.locator("label", has_text="Feather").click()
    form.get_by_role("button", name="Submit").click()
    expect(root.locator(".ckw-si-item-row")).to_have_count(3)

    rows = root.locator(".ckw-si-item-row").evaluate_all(
        """rows => rows.map(row => {
            const q = row.querySelector('dt').getBoundingClientRect();
            const a = row.querySelector('dd').getBoundingClientRect();
            const line = parseFloat(getComputedStyle(row.querySelector('dt')).lineHeight);
            return {qTop: q.top, aTop: a.top, qRight: q.right, aLeft: a.left, qBottom: q.bottom,
                    qLines: Math.round(q.height / line)};
        })"""
    )
    lab_page.screenshot("structured-input-answered-light", root)
    for row in rows:
        assert abs(row["qTop"] - row["aTop"]) < 4, rows  # side by side
        assert row["qRight"] <= row["aLeft"], rows  # the question first
    for above, below in zip(rows, rows[1:], strict=False):
        assert below["qTop"] >= above["qBottom"], rows  # one row per question, in order
    # The questions are short: each fits on one line beside its answers.
    assert [row["qLines"] for row in rows] == [1, 1, 1], rows
    # The answer column starts at the same x in every row.
    assert len({round(row["aLeft"]) for row in rows}) == 1, rows


def widget_notebook(lab_page: LabPage, name: str, server: str = "WidgetServer()") -> None:
    lab_page.write_notebook(
        name,
        [
            SETUP
            + f"""
picked = widgets.Label("nobody")
chat = ChatKitWidget({server})

@chat.on_action("cats.select")
def select(action, sender):
    picked.value = f"{{action.payload['name']}} from {{sender.id if sender else None}}"

@chat.on_action("cats.color")
def color(action, sender):
    picked.value = f"colour {{action.payload}}"

widgets.VBox([picked, chat])
""",
        ],
    )
    lab_page.open(name)
    lab_page.run_all()


def card_in(root):
    return root.locator(".ckw-item--widget").first


def test_a_button_runs_server_action_and_the_replaced_card_shows_after_a_loading_state(
    lab_page: LabPage,
):
    widget_notebook(lab_page, "button.ipynb", "WidgetServer(action_delay=1.5)")
    root = chat_root(lab_page)
    type_and_send(lab_page, "cats")
    card = card_in(root)
    tom = card.locator("button", has_text="Tom")  # the list has a "Tom" row too
    expect(tom).to_be_visible()
    lab_page.screenshot("actions-card-light", root)

    tom.click()

    expect(tom).to_have_attribute("aria-busy", "true")
    lab_page.screenshot("actions-loading-light", root)
    expect(card).to_contain_text("You picked Tom.")
    expect(card.locator("button", has_text="Tom")).to_have_count(0)
    expect(root.locator("[aria-busy='true']")).to_have_count(0)
    expect(root.locator(".ckw-assistant").last).to_contain_text("You picked Tom.")
    out = lab_page.execute("print(chat.server.actions, chat.is_responding)")
    card_id = lab_page.execute("print(chat.items[1].id)").strip()
    assert out.strip() == f"[('action', 'cats.pick', {{'name': 'Tom'}}, '{card_id}')] False"


def test_retry_after_a_failed_click_sends_the_click_again_and_keeps_the_answer(
    lab_page: LabPage,
):
    widget_notebook(lab_page, "flaky.ipynb", "FlakyActionServer()")
    root = chat_root(lab_page)
    type_and_send(lab_page, "cats")
    card = card_in(root)
    card.locator("button", has_text="Tom").click()
    banner = root.locator(".ckw-banner--danger")
    expect(banner).to_be_visible()
    lab_page.execute("before = [i.id for i in chat.items]")

    banner.get_by_role("button", name="Retry").click()

    # The click ran again on the same card; the answer was neither deleted nor rerun.
    expect(card).to_contain_text("You picked Tom.")
    expect(banner).to_have_count(0)
    expect(root.locator(".ckw-assistant").first).to_contain_text("Here are some names.")
    card_id = lab_page.execute("print(chat.items[1].id)").strip()
    out = lab_page.execute("print(chat.server.actions)").strip()
    assert out == repr([("action", "cats.pick", {"name": "Tom"}, card_id)] * 2)
    kept = lab_page.execute("print([i.id for i in chat.items][: len(before)] == before)")
    assert kept.strip() == "True"


def test_widget_buttons_keep_their_shape_in_jupyterlab(lab_page: LabPage):
    # JupyterLab's `.jp-ThemedContainer button { border-radius }` outranks a single class.
    widget_notebook(lab_page, "shape.ipynb")
    root = chat_root(lab_page)
    type_and_send(lab_page, "cats")
    card = card_in(root)
    expect(card.locator("button", has_text="Tom")).to_be_visible()
    radii = card.locator("button.ckw-w-button").evaluate_all(
        "els => els.map(el => getComputedStyle(el).borderRadius)"
    )
    rows = card.locator(".ckw-w-list-item").evaluate_all(
        "els => els.map(el => getComputedStyle(el).borderRadius)"
    )
    lab_page.screenshot("actions-card-shape-light", card)
    assert radii and set(radii) == {"10px"}, radii  # widgets.css .ckw-w-button
    assert rows and set(rows) == {"0px"}, rows  # square rows inside the list's frame


def test_a_list_row_focused_by_keyboard_shows_its_whole_focus_ring(lab_page: LabPage):
    # The list clips its rows (overflow: hidden, rounded frame): a ring drawn outside the
    # row lost its left and right sides.
    widget_notebook(lab_page, "ring.ipynb")
    root = chat_root(lab_page)
    type_and_send(lab_page, "cats")
    card = card_in(root)
    like = card.get_by_role("button", name="Like (0)")
    expect(like).to_be_visible()
    like.focus()
    lab_page.page.keyboard.press("Tab")
    row = card.locator(".ckw-w-list-item").first
    expect(row).to_be_focused()
    lab_page.page.mouse.move(0, 0)
    path = lab_page.screenshot("actions-list-focus-light", row)

    from PIL import Image

    ring = row.evaluate("el => getComputedStyle(el).outlineColor")
    want = tuple(int(v) for v in re.findall(r"\d+", ring)[:3])
    image = Image.open(path).convert("RGB")
    middle = image.height // 2

    def near(pixel: tuple[int, int, int]) -> bool:
        return sum(abs(a - b) for a, b in zip(pixel, want, strict=True)) < 60

    # Each side of the row's own box shows the ring's colour.
    assert near(image.getpixel((1, middle))), image.getpixel((1, middle))
    assert near(image.getpixel((image.width - 2, middle))), image.getpixel(
        (image.width - 2, middle)
    )


def test_a_list_row_with_a_client_handler_changes_another_widget(lab_page: LabPage):
    widget_notebook(lab_page, "row.ipynb")
    root = chat_root(lab_page)
    type_and_send(lab_page, "cats")
    readout = lab_page.page.locator(".widget-label").first
    expect(readout).to_have_text("nobody")

    card_in(root).locator(".ckw-w-list-item", has_text="Luna").click()

    card_id = lab_page.execute("print(chat.items[1].id)").strip()
    expect(readout).to_have_text(f"Luna from {card_id}")
    assert lab_page.execute("print(chat.server.actions)").strip() == "[]"


def test_a_form_checks_required_fields_then_submits_typed_values(lab_page: LabPage):
    widget_notebook(lab_page, "form.ipynb")
    root = chat_root(lab_page)
    type_and_send(lab_page, "cats")
    card = card_in(root)
    name = card.get_by_placeholder("Name")
    expect(name).to_be_visible()

    card.get_by_role("button", name="Save").click()

    # The browser's own validation stops it: nothing reaches the kernel.
    assert name.evaluate("el => el.validity.valueMissing") is True
    assert lab_page.execute("print(chat.server.actions)").strip() == "[]"

    name.fill("Biscuit")
    card.locator("select").select_option("ginger")  # a client change action, too
    expect(lab_page.page.locator(".widget-label").first).to_contain_text("ginger")
    card.get_by_role("button", name="Save").click()

    expect(card).to_contain_text("Saved Biscuit (ginger).")
    out = lab_page.execute("print(chat.server.actions[-1][:3])")
    assert out.strip() == "('action', 'cats.save', {'cat': {'name': 'Biscuit', 'color': 'ginger'}})"


def test_a_sync_action_updates_its_card_while_another_response_streams(lab_page: LabPage):
    widget_notebook(lab_page, "sync.ipynb", "WidgetServer(reply_delay=6)")
    root = chat_root(lab_page)
    # The first reply's card arrives at once; the reply itself takes a while.
    type_and_send(lab_page, "cats")
    card = card_in(root)
    like = card.get_by_role("button", name="Like (0)")
    expect(like).to_be_visible()
    expect(root.get_by_role("button", name="Stop")).to_be_visible()

    like.click()

    expect(card.get_by_role("button", name="Like (1)")).to_be_visible()
    # Still the same response: the stream was not interrupted.
    expect(root.get_by_role("button", name="Stop")).to_be_visible()
    assert "sync_action" in lab_page.execute("print(chat.server.actions)")
    expect(root.locator(".ckw-assistant").last).to_contain_text(
        "Here are some names.", timeout=20_000
    )


def test_the_widgets_notebook_plots_the_cat_clicked_in_the_chat(lab_page: LabPage):
    source = Path(__file__).resolve().parents[2] / "notebooks" / "09-widgets.ipynb"
    shutil.copy(source, lab_page.lab.root / "09-widgets.ipynb")
    lab_page.open("09-widgets.ipynb")
    lab_page.run_all(timeout_ms=120_000)
    page = lab_page.page
    gallery, chat = chat_root(lab_page, 0), chat_root(lab_page, 1)
    expect(gallery.locator(".ckw-item--widget")).to_have_count(6)
    lab_page.screenshot("widgets-gallery-light", gallery)
    # The notebook's cells plotted Luna; a click on Tom's row in the chat plots Tom.
    title = page.locator(".js-plotly-plot .gtitle").first
    expect(title).to_have_text("Luna's weight", timeout=30_000)

    chat.locator(".ckw-w-list-item", has_text="Tom").click()

    expect(title).to_have_text("Tom's weight")
    expect(page.locator(".widget-label", has_text="Plotted Tom")).to_be_visible()
    lab_page.screenshot("widgets-notebook-plot", page.locator(".widget-hbox").first)
    lab_page.set_theme("JupyterLab Dark")
    lab_page.screenshot("widgets-gallery-dark", gallery)
