"""Issue 12 in the browser: the composer's attachments, @-mentions of notebook variables,
tool and model pickers, quoted replies and dictation, in real JupyterLab + Chromium."""

from __future__ import annotations

import base64
import hashlib
import re
import struct
import zlib
from pathlib import Path

from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

SETUP = """
from servers import ComposerServer
from chatkit_widget import ChatKitWidget
"""


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small valid PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def composer(lab_page: LabPage):
    return chat_root(lab_page).get_by_role("textbox", name="Message")


def test_a_png_attached_by_chooser_and_by_paste_reaches_the_server_and_survives_reload(
    lab_page: LabPage, tmp_path: Path
):
    lab_page.write_notebook(
        "attach.ipynb",
        [SETUP + "chat = ChatKitWidget(ComposerServer('Nice pictures.'), attachments=True)\nchat"],
    )
    lab_page.open("attach.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    chosen, pasted = png(64, 48, (200, 40, 40)), png(32, 32, (40, 90, 200))
    path = tmp_path / "red.png"
    path.write_bytes(chosen)

    with lab_page.page.expect_file_chooser() as chooser:
        root.get_by_role("button", name="Attach files").click()
    chooser.value.set_files(str(path))
    composer(lab_page).evaluate(
        """(area, b64) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const data = new DataTransfer();
            data.items.add(new File([bytes], "image.png", { type: "image/png" }));
            area.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        }""",  # noqa: E501
        base64.b64encode(pasted).decode(),
    )
    chips = root.locator(".ckw-attachment")
    expect(chips).to_have_count(2)
    expect(chips.first).to_have_attribute("data-name", "red.png")
    expect(root.locator(".ckw-attachment--done")).to_have_count(2)
    expect(root.locator(".ckw-attachment-thumb")).to_have_count(2)
    lab_page.screenshot("composer-attachments-light", root)

    type_and_send(lab_page, "what colours are these?")
    expect(root.locator(".ckw-assistant").last).to_contain_text("Nice pictures.", timeout=20_000)
    images = root.locator(".ckw-user .ckw-message-image img")
    expect(images).to_have_count(2)
    expect(root.locator(".ckw-attachment")).to_have_count(0)

    received = lab_page.execute(
        "import hashlib\n"
        "item = chat.server.inputs[-1]\n"
        "print([(a.name, hashlib.sha256(chat.server.attachment_store.read(a.id)).hexdigest())"
        " for a in item.attachments])"
    )
    names = eval(received)  # noqa: S307 (our own kernel's repr)
    assert names[0] == ("red.png", digest(chosen))
    assert names[1][0].startswith("pasted-") and names[1][1] == digest(pasted)
    lab_page.set_theme("JupyterLab Dark")
    lab_page.screenshot("composer-attachments-sent-dark", root)
    lab_page.set_theme("JupyterLab Light")  # a Lab setting: later tests start in light

    # A reloaded page draws the thumbnails again, from the kernel's store (saved first:
    # an unsaved notebook would hold the page with a "leave?" dialog).
    lab_page.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    lab_page.page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.context.model.dirty"
    )
    lab_page.page.reload()
    root = chat_root(lab_page)
    images = root.locator(".ckw-user .ckw-message-image img")
    expect(images).to_have_count(2, timeout=60_000)
    natural = images.first.evaluate(
        "img => img.decode().then(() => [img.naturalWidth, img.naturalHeight])"
    )
    assert natural == [64, 48]


def test_a_dataframe_variable_is_mentioned_from_the_menu_with_the_keyboard(lab_page: LabPage):
    lab_page.write_notebook(
        "mention.ipynb",
        [
            SETUP
            + "import pandas as pd\n"
            + "sales = pd.DataFrame({'region': ['N', 'S'], 'amount': [1.5, 2.0]})\n"
            + "salaries = pd.DataFrame({'name': ['A'], 'pay': [1]})\n"
            + "chat = ChatKitWidget(ComposerServer('Got it.'), tag_search='variables')\nchat"
        ],
    )
    lab_page.open("mention.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    box = composer(lab_page)
    box.click()
    box.press_sequentially("sum @sal")
    menu = root.get_by_role("listbox", name="Mentions")
    expect(menu.get_by_role("option")).to_have_count(2)
    expect(menu.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    lab_page.screenshot("composer-mention-menu-light", root)
    expect(menu.get_by_role("option").first).to_contain_text("salaries")
    box.press("ArrowUp")  # wraps around to the last
    expect(menu.get_by_role("option", name="sales")).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(menu).to_be_hidden()
    expect(box).to_have_value("sum @sales ")
    box.press_sequentially("by region")
    box.press("Enter")
    expect(root.locator(".ckw-assistant").last).to_contain_text("Got it.", timeout=20_000)
    expect(root.locator(".ckw-user .ckw-tag")).to_have_text("@sales")

    seen = lab_page.execute(
        "tag = chat.server.inputs[-1].content[1]\n"
        "print(tag.type, tag.text, 'amount: float64' in tag.data['description'])"
    )
    assert seen.split() == ["input_tag", "sales", "True"]


def test_the_tool_and_model_pickers_set_the_inference_options(lab_page: LabPage):
    lab_page.write_notebook(
        "pickers.ipynb",
        [
            SETUP
            + "chat = ChatKitWidget(ComposerServer('Searched.'),\n"
            + "    tools=[{'id': 'search', 'label': 'Search the docs', 'short_label': 'Search',\n"
            + "            'icon': 'search', 'placeholder_override': 'Search for…'},\n"
            + "           {'id': 'draw', 'label': 'Draw a chart', 'icon': 'chart'}],\n"
            + "    models=[{'id': 'small', 'label': 'Small', 'description': 'Fast'},\n"
            + "            {'id': 'large', 'label': 'Large', 'description': 'Careful',"
            + " 'default': True}])\nchat"
        ],
    )
    lab_page.open("pickers.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    expect(root.get_by_role("button", name="Model: Large")).to_be_visible()
    root.get_by_role("button", name="Tools").click()
    root.get_by_role("menuitemradio", name="Search the docs").click()
    expect(root.locator(".ckw-tool-chip")).to_contain_text("Search")
    expect(composer(lab_page)).to_have_attribute("placeholder", "Search for…")
    root.get_by_role("button", name="Model: Large").click()
    root.get_by_role("menuitemradio", name="Small").click()
    lab_page.screenshot("composer-pickers-light", root)
    type_and_send(lab_page, "find widgets")
    expect(root.locator(".ckw-assistant").last).to_contain_text("Searched.", timeout=20_000)
    # Not persistent: the tool is cleared after sending; the model stays.
    expect(root.locator(".ckw-tool-chip")).to_have_count(0)
    expect(root.get_by_role("button", name="Model: Small")).to_be_visible()
    lab_page.set_theme("JupyterLab Dark")
    root.get_by_role("button", name="Model: Small").click()
    expect(root.get_by_role("menu", name="Models")).to_be_visible()
    lab_page.screenshot("composer-model-menu-dark", root)
    lab_page.set_theme("JupyterLab Light")  # a Lab setting: later tests start in light
    options = lab_page.execute("print(chat.server.inputs[-1].inference_options.model_dump_json())")
    assert options.strip() == '{"tool_choice":{"id":"search"},"model":"small"}'


def test_a_passage_selected_in_an_answer_is_quoted_in_the_reply(lab_page: LabPage):
    lab_page.write_notebook(
        "quote.ipynb",
        [
            SETUP
            + "chat = ChatKitWidget(ComposerServer('The sky is blue because of Rayleigh scattering.'))\nchat"
        ],  # noqa: E501
    )
    lab_page.open("quote.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "why is the sky blue?")
    answer = root.locator(".ckw-assistant p").last
    expect(answer).to_contain_text("Rayleigh scattering", timeout=20_000)
    answer.evaluate(
        """p => {
            const text = p.firstChild;
            const start = text.textContent.indexOf("Rayleigh");
            const range = document.createRange();
            range.setStart(text, start);
            range.setEnd(text, start + "Rayleigh scattering".length);
            const sel = getSelection();
            sel.removeAllRanges();
            sel.addRange(range);
            p.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
        }"""
    )
    root.get_by_role("button", name="Reply").click()
    expect(root.locator(".ckw-composer-quote")).to_contain_text("Rayleigh scattering")
    lab_page.screenshot("composer-quote-light", root)
    type_and_send(lab_page, "tell me more")
    expect(root.locator(".ckw-user-quote").last).to_contain_text(
        "Rayleigh scattering", timeout=20_000
    )
    expect(root.locator(".ckw-composer-quote")).to_have_count(0)
    quoted = lab_page.execute("print(chat.server.inputs[-1].quoted_text)")
    assert quoted.strip() == "Rayleigh scattering"


def test_dictation_records_the_fake_microphone_and_fills_the_composer(lab_page: LabPage):
    lab_page.write_notebook(
        "dictation.ipynb", [SETUP + "chat = ChatKitWidget(ComposerServer(), dictation=True)\nchat"]
    )
    lab_page.open("dictation.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    root.get_by_role("button", name="Dictate").click()
    stop = root.get_by_role("button", name="Stop dictation")
    expect(stop).to_be_visible()
    lab_page.page.wait_for_timeout(1200)  # let the fake device produce some audio
    stop.click()
    expect(composer(lab_page)).to_have_value(
        re.compile(r"^heard [1-9]\d* bytes of audio/(webm|ogg|mp4)$"), timeout=20_000
    )


def test_a_dropped_file_is_attached_and_a_refused_one_gets_a_notice(lab_page: LabPage):
    lab_page.write_notebook(
        "drop.ipynb",
        [
            SETUP
            + "chat = ChatKitWidget(ComposerServer('Read it.'),\n"
            + "    attachments={'accept': {'text/csv': ['.csv']}, 'max_size': 1000})\nchat"
        ],
    )
    lab_page.open("drop.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    drop = """([name, type, text]) => {
        const data = new DataTransfer();
        data.items.add(new File([text], name, { type }));
        const thread = document.querySelector(".ckw-root .ckw-body");
        thread.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
        thread.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    }"""  # noqa: E501
    # A drop onto a locked composer (no kernel heard from yet) is refused with a notice:
    # wait until the view is live, as a user would see from the enabled paperclip.
    expect(root.get_by_role("button", name="Attach files")).to_be_enabled()
    lab_page.page.evaluate(drop, ["notes.txt", "text/plain", "not a table"])
    notice = root.locator(".ckw-composer-notice")
    expect(notice).to_contain_text("notes.txt (text/plain) is not an accepted type")
    expect(root.locator(".ckw-attachment")).to_have_count(0)
    lab_page.page.evaluate(drop, ["prices.csv", "text/csv", "item,price\napple,3\n"])
    expect(root.locator(".ckw-attachment--done")).to_have_count(1)
    expect(notice).to_have_count(0)
    type_and_send(lab_page, "summarise")
    expect(root.locator(".ckw-user .ckw-message-file")).to_have_text("prices.csv", timeout=20_000)
    stored = lab_page.execute(
        "a = chat.server.inputs[-1].attachments[0]\n"
        "print(chat.server.attachment_store.read(a.id).decode().splitlines())"
    )
    assert stored.strip() == "['item,price', 'apple,3']"


DROP_AND_PASTE = """([kind, name, type, text]) => {
    const data = new DataTransfer();
    data.items.add(new File([text], name, { type }));
    const root = document.querySelector(".ckw-root");
    if (kind === "paste") {
        root.querySelector("textarea").dispatchEvent(
            new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
        return;
    }
    const thread = root.querySelector(".ckw-body");
    thread.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
    if (kind === "drop") {
        thread.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    }
}"""


def test_a_drop_while_the_model_responds_is_attached_and_one_on_a_locked_composer_says_why(
    lab_page: LabPage,
):
    lab_page.write_notebook(
        "drop-locked.ipynb",
        [
            SETUP
            + "from chatkit.types import LockedStatus\n"
            + "class Archiving(ComposerServer):\n"
            + "    async def respond(self, thread, item, context):\n"
            + "        async for event in super().respond(thread, item, context):\n"
            + "            yield event\n"
            + "        thread.status = LockedStatus(reason='This thread is archived.')\n"
            + "chat = ChatKitWidget(Archiving('A slow answer. ' * 40, delay=0.04), attachments=True)\n"
            + "chat"
        ],
    )
    lab_page.open("drop-locked.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "hello")
    # While the model responds the composer takes attachments (as ChatKit.js's does);
    # only sending waits for the response to end.
    expect(root.get_by_role("button", name="Stop")).to_be_visible()
    lab_page.page.evaluate(
        DROP_AND_PASTE, ["drop", "during.txt", "text/plain", "dropped mid-answer"]
    )
    lab_page.page.evaluate(
        DROP_AND_PASTE, ["paste", "pasted.txt", "text/plain", "pasted mid-answer"]
    )
    expect(root.locator(".ckw-attachment--done")).to_have_count(2)
    # The response locks the thread: a drop now is refused with the reason, not ignored.
    expect(composer(lab_page)).to_be_disabled(timeout=30_000)
    lab_page.page.evaluate(DROP_AND_PASTE, ["dragover", "late.txt", "text/plain", "too late"])
    overlay = root.locator(".ckw-drop-overlay")
    expect(overlay).to_have_text("Cannot attach files: This thread is archived.")
    lab_page.screenshot("composer-drop-refused-light", root)
    lab_page.set_theme("JupyterLab Dark")
    lab_page.screenshot("composer-drop-refused-dark", root)
    lab_page.page.evaluate(DROP_AND_PASTE, ["drop", "late.txt", "text/plain", "too late"])
    notice = root.locator(".ckw-composer-notice")
    expect(notice).to_contain_text("Cannot attach late.txt: This thread is archived.")
    expect(overlay).to_have_count(0)
    expect(root.locator(".ckw-attachment")).to_have_count(2)
    lab_page.screenshot("composer-drop-locked-dark", root)


def test_a_tag_previews_and_its_click_runs_python_that_fills_the_composer(lab_page: LabPage):
    lab_page.write_notebook(
        "entities.ipynb",
        [
            SETUP
            + "from chatkit.widgets import Card, Text\n"
            + "chat = ChatKitWidget(ComposerServer('Noted.'))\n"
            + "@chat.on_tag_search\n"
            + "def search(query):\n"
            + "    return [{'id': 'p1', 'title': 'Apollo', 'group': 'Projects'}]\n"
            + "@chat.on_entity_click\n"
            + "def click(entity):\n"
            + "    chat.set_composer_value(f\"More about {entity['title']} ({entity['id']})\")\n"
            + "    chat.focus_composer()\n"
            + "@chat.on_entity_preview\n"
            + "def preview(entity):\n"
            + "    return Card(children=[Text(value=f\"Project {entity['title']}: on track\")])\n"
            + "chat"
        ],
    )
    lab_page.open("entities.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    box = composer(lab_page)
    box.click()
    box.press_sequentially("status of @Ap")
    expect(root.get_by_role("option", name="Apollo")).to_be_visible()
    box.press("Tab")
    box.press_sequentially("please")
    box.press("Enter")
    tag = root.locator(".ckw-user .ckw-tag")
    expect(tag).to_have_text("@Apollo", timeout=20_000)
    root.scroll_into_view_if_needed()  # so the screenshot does not scroll the hover away
    tag.hover()
    expect(root.get_by_role("tooltip")).to_have_text("Project Apollo: on track")
    lab_page.screenshot("composer-entity-preview-light", root)
    # The click runs Python, which fills and focuses the composer (the composer API).
    tag.click()
    expect(box).to_have_value("More about Apollo (p1)")
    expect(box).to_be_focused()


def test_a_sent_file_shows_as_a_pill_beside_an_image(lab_page: LabPage):
    # JupyterLab's `.jp-ThemedContainer button { border-radius }` outranks a single class:
    # the file chip (a button that downloads it) was a 2 px box as tall as the thumbnail,
    # and a code block's Copy button square.
    image = png(96, 64, (76, 120, 168))
    lab_page.write_notebook(
        "sent_files.ipynb",
        [
            SETUP + "chat = ChatKitWidget(ComposerServer('Got them:\\n\\n```\\nx = 1\\n```'),\n"
            "    attachments={'accept': {'image/*': [], 'text/*': ['.txt']}})\nchat",
            f"await chat.send('Both', attachments=[('notes.txt', b'hi'), ('plot.png', {image!r})])",
        ],
    )
    lab_page.open("sent_files.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    thumbnail = root.locator(".ckw-user .ckw-message-image")
    # The image is a chip too until its bytes have come from the kernel.
    expect(thumbnail.locator("img")).to_be_visible()
    chip = root.locator(".ckw-user .ckw-message-file")
    expect(chip).to_have_text("notes.txt")
    lab_page.screenshot("composer-sent-files-light", root)

    shape = chip.evaluate(
        "el => ({radius: getComputedStyle(el).borderRadius, height: el.offsetHeight})"
    )
    assert shape["radius"] == "999px", shape
    box, beside = chip.bounding_box(), thumbnail.bounding_box()
    assert box is not None and beside is not None
    assert shape["height"] < 40 < beside["height"], (shape, beside)  # a chip, not a tile
    # The answer's code block keeps its rounded Copy button too.
    copy = root.get_by_role("button", name="Copy code")
    assert copy.evaluate("el => getComputedStyle(el).borderRadius") == "6px"
    # Centred on the thumbnail's middle.
    middle = beside["y"] + beside["height"] / 2
    assert abs(box["y"] + box["height"] / 2 - middle) < 2, (box, beside)


def test_a_narrow_composer_with_pickers_gives_the_text_its_own_line(lab_page: LabPage):
    # At 360 px the paperclip, the tool picker and its chip, the model picker and Send left
    # the text 50 px: it wrapped after every few letters.
    lab_page.write_notebook(
        "narrow.ipynb",
        [
            SETUP
            + "chat = ChatKitWidget(ComposerServer('Ok.'), width='360px',\n"
            + "    attachments={'accept': {'text/*': ['.txt']}},\n"
            + "    tools=[{'id': 'search', 'label': 'Search the docs', 'short_label': 'Search',\n"
            + "            'icon': 'search'}],\n"
            + "    models=[{'id': 'small', 'label': 'Small', 'default': True},\n"
            + "            {'id': 'large', 'label': 'Large'}])\nchat"
        ],
    )
    lab_page.open("narrow.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    root.get_by_role("button", name="Tools").click()
    root.get_by_role("menuitemradio", name="Search the docs").click()
    expect(root.locator(".ckw-tool-chip")).to_contain_text("Search")
    composer(lab_page).fill("Compare the regions")
    lab_page.screenshot("composer-narrow-light", root)

    form = root.locator(".ckw-composer").bounding_box()
    text = composer(lab_page).bounding_box()
    send = root.get_by_role("button", name="Send message").bounding_box()
    model = root.get_by_role("button", name="Model: Small").bounding_box()
    assert form is not None and text is not None and send is not None and model is not None
    assert text["width"] > form["width"] * 0.8, (text, form)  # the whole width for the text
    assert composer(lab_page).evaluate("el => el.scrollHeight <= el.clientHeight + 1")  # 1 line
    # The controls are on a row below it, Send at the right end, inside the composer.
    assert send["y"] >= text["y"] + text["height"] - 1, (send, text)
    assert send["x"] + send["width"] <= form["x"] + form["width"], (send, form)
    assert send["x"] > model["x"] and send["x"] > form["x"] + form["width"] * 0.7, send
