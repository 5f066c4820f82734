"""ChatKit widgets in a real JupyterLab and Chromium: the gallery of every component in
light and dark, hostile text in every widget text surface, and a streamed widget."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, expect

from .conftest import LabPage, chat_root, type_and_send

SETUP = """
from widget_servers import GalleryServer
from chatkit_widget import ChatKitWidget
"""

# The component classes the gallery must show (one widget item per component).
COMPONENT_SELECTORS = {
    "Card": ".ckw-w-card",
    "ListView": ".ckw-w-listview",
    "ListViewItem": ".ckw-w-list-item",
    "Basic": ".ckw-w-basic",
    "Box": ".ckw-w-box",
    "Row": ".ckw-w-row",
    "Col": ".ckw-w-col",
    "Form": "form.ckw-w-form",
    "Spacer": ".ckw-w-spacer",
    "Divider": ".ckw-w-divider",
    "Text": ".ckw-w-text",
    "Title": ".ckw-w-title",
    "Caption": ".ckw-w-caption",
    "Markdown": ".ckw-w-markdown strong",
    "Label": "label.ckw-w-label",
    "Badge": ".ckw-w-badge",
    "Icon": "svg.ckw-w-icon",
    "Image": "img.ckw-w-image",
    "Button": "button.ckw-w-button",
    "Input": "input.ckw-w-input",
    "Textarea": "textarea.ckw-w-textarea",
    "Select": "select.ckw-w-select",
    "DatePicker": "input.ckw-w-date",
    "Checkbox": "input[type=checkbox]",
    "RadioGroup": "[role=radiogroup] input[type=radio]",
    "Chart": ".ckw-w-chart svg .ckw-w-chart-bar",
    "Transition": ".ckw-w-transition .ckw-w-text",
}


@pytest.fixture
def widget_lab(lab_page: LabPage) -> Iterator[LabPage]:
    here = Path(__file__).parent
    shutil.copy(here / "widget_servers.py", lab_page.lab.root / "widget_servers.py")
    shutil.copy(here.parent / "hostile.py", lab_page.lab.root / "hostile.py")
    yield lab_page
    # The theme is a Lab setting shared by every later test of the session: put it back.
    if lab_page.page.evaluate("() => document.body.dataset.jpThemeName") != "JupyterLab Light":
        lab_page.set_theme("JupyterLab Light")


def _open_gallery(lab_page: LabPage, name: str, height: str = "2600px") -> None:
    lab_page.page.set_viewport_size({"width": 1100, "height": 3000})
    lab_page.write_notebook(
        name,
        [
            SETUP + f"chat = ChatKitWidget(GalleryServer(), height={height!r})\nchat",
        ],
    )
    lab_page.open(name)
    lab_page.run_all()


def test_gallery_renders_every_component_in_light_and_dark(widget_lab: LabPage):
    _open_gallery(widget_lab, "gallery.ipynb")
    root = chat_root(widget_lab)
    type_and_send(widget_lab, "gallery")
    # 21 gallery items and the one built from a WidgetTemplate.
    expect(root.locator(".ckw-item--widget")).to_have_count(22, timeout=30_000)
    for component, selector in COMPONENT_SELECTORS.items():
        assert root.locator(selector).count() > 0, component
    # The template-built ListView renders like any other tree.
    template = root.locator(".ckw-item--widget").last
    expect(template.locator(".ckw-w-list-item")).to_have_count(2)
    expect(template).to_contain_text("Whiskers")
    # The unknown component reads as text; nothing failed to render.
    expect(root.locator(".ckw-w-unknown")).to_contain_text("An unknown component reads as text")
    assert not [line for line in widget_lab.console if "failed to render" in line]
    # ListView limit 3 of 5, then "Show more".
    listview = root.locator(".ckw-w-listview").first
    expect(listview.locator(".ckw-w-list-item")).to_have_count(3)
    listview.locator(".ckw-w-show-more").click()
    expect(listview.locator(".ckw-w-list-item")).to_have_count(5)
    # Images: the data: URL shows, the remote one (no allowed domains) is a link.
    expect(root.locator("img.ckw-w-image").first).to_be_visible()
    assert root.locator("img[src^='https://elsewhere']").count() == 0
    assert widget_lab.external_requests == []
    # A click shows the button loading until the server's action() has answered.
    primary = root.get_by_role("button", name="Primary", exact=True)
    primary.click()
    expect(primary).to_have_attribute("aria-busy", "true")
    expect(primary).not_to_have_attribute("aria-busy", "true", timeout=20_000)
    expect(root.locator(".ckw-w-note")).to_have_count(0)

    # A root's theme prop forces its palette: a dark card on the light page.
    themed = root.locator(".ckw-w-card[data-ckw-theme='dark']")
    assert _luminance(themed.evaluate("el => getComputedStyle(el).backgroundColor")) < 60
    assert (
        _luminance(themed.locator(".ckw-w-text").evaluate("el => getComputedStyle(el).color")) > 180
    )

    widget_lab.page.mouse.move(0, 0)  # no hover colours in what is measured
    light = _screenshots(widget_lab, root, "light")
    card_bg_light = root.locator(".ckw-w-card").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    primary_light = root.get_by_role("button", name="Primary", exact=True).evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )

    widget_lab.set_theme("JupyterLab Dark")
    widget_lab.page.wait_for_timeout(300)
    dark = _screenshots(widget_lab, root, "dark")
    card_bg_dark = root.locator(".ckw-w-card").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    primary_dark = root.get_by_role("button", name="Primary", exact=True).evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert _luminance(card_bg_dark) < _luminance(card_bg_light)
    # ChatKit's primary button inverts: near-black in light, near-white in dark.
    assert _luminance(primary_light) < 60 < 200 < _luminance(primary_dark)
    assert light.exists() and dark.exists()


def test_every_widget_text_surface_is_sanitized(widget_lab: LabPage):
    _open_gallery(widget_lab, "widget_xss.ipynb", height="1600px")
    root = chat_root(widget_lab)
    type_and_send(widget_lab, "xss")
    expect(root.locator(".ckw-item--widget")).to_have_count(3, timeout=30_000)
    widgets = root.locator(".ckw-item--widget")
    # The Markdown widget renders the shared corpus through to its last line.
    expect(widgets.locator(".ckw-w-markdown")).to_contain_text("Last line stays.")
    widget_lab.page.wait_for_timeout(500)  # give any injected handler a chance to run

    assert widget_lab.dialogs == []
    assert not [line for line in widget_lab.console if "XSS-MARKER" in line]
    assert widget_lab.page.evaluate("() => window.__xss") is None
    assert widget_lab.external_requests == []
    for selector in (
        "script",
        "iframe",
        "[onerror]",
        "a[href^='javascript']",
        "img[src^='javascript']",
        "img[src^='https://evil']",
    ):
        assert widgets.locator(selector).count() == 0, selector
    # The markup shows as text where the component shows text.
    for selector in (
        ".ckw-w-title",
        ".ckw-w-caption",
        ".ckw-w-text:not(input)",
        ".ckw-w-label",
        ".ckw-w-badge",
        ".ckw-w-button-label",
        ".ckw-w-status",
        ".ckw-w-check span",
    ):
        expect(widgets.locator(selector).first).to_contain_text("<img src=x onerror=")
    assert "<img" in (widgets.locator("input.ckw-w-input").first.input_value())
    # No style may load a URL.
    styles = widgets.evaluate_all(
        "els => els.flatMap(el => [...el.querySelectorAll('[style]')]"
        ".map(n => n.getAttribute('style')))"
    )
    assert not [s for s in styles if "url(" in s]
    links = widgets.locator("a[href]")
    for n in range(links.count()):
        assert links.nth(n).get_attribute("rel") == "noopener noreferrer"
        assert links.nth(n).get_attribute("target") == "_blank"
    # Nothing a widget lays out paints outside its own item (over other items, the header
    # or the composer): the last widget tries with negative margins and a huge box.
    root.locator(".ckw-thread").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    covered = root.evaluate("""root => {
        const r = root.getBoundingClientRect();
        const items = [...root.querySelectorAll('.ckw-item')];
        const hostile = items[items.length - 1];
        const points = [[0.5, 0.01], [0.3, 0.985], [0.7, 0.985]]
          .map(([x, y]) => [r.left + x * r.width, r.top + y * r.height]);
        for (const item of items.slice(0, -1)) {
          const b = item.getBoundingClientRect();
          if (b.bottom > r.top && b.top < r.bottom) points.push([b.left + 8, b.top + b.height / 2]);
        }
        return points.map(([x, y]) => document.elementFromPoint(x, y))
          .filter(e => !e || hostile.contains(e)).length;
    }""")
    assert covered == 0
    widget_lab.screenshot("widgets-xss", root)


def test_a_streamed_widget_grows_in_place(widget_lab: LabPage):
    _open_gallery(widget_lab, "widget_stream.ipynb", height="700px")
    root = chat_root(widget_lab)
    type_and_send(widget_lab, "stream")
    card = root.locator(".ckw-item--widget .ckw-w-card")
    expect(card.locator(".ckw-w-markdown")).to_contain_text("word3", timeout=30_000)
    # Mark the card's DOM node: in-place updates keep it, a re-mount would drop the mark.
    card.evaluate("el => { el.__mark = 'same'; }")
    expect(card.locator(".ckw-w-badge")).to_have_text("Done", timeout=30_000)
    expect(card.locator(".ckw-w-markdown")).to_contain_text("word39")
    assert card.evaluate("el => el.__mark") == "same"
    assert (
        re.sub(r"\s+", " ", card.locator(".ckw-w-markdown").inner_text()).strip().endswith("word39")
    )


def _screenshots(lab_page: LabPage, root: Locator, theme: str) -> Path:
    """The gallery's top and bottom halves (the thread scrolls)."""
    thread = root.locator(".ckw-thread")
    thread.evaluate("el => { el.scrollTop = 0; }")
    lab_page.page.wait_for_timeout(200)
    lab_page.screenshot(f"widgets-gallery-{theme}-top", root)
    thread.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    lab_page.page.wait_for_timeout(200)
    path = lab_page.screenshot(f"widgets-gallery-{theme}", root)
    # Close-ups at full resolution (gallery order: widget_servers.GALLERY).
    items = root.locator(".ckw-item--widget")
    for index, name in ((12, "buttons"), (13, "form"), (17, "listview")):
        items.nth(index).scroll_into_view_if_needed()
        lab_page.screenshot(f"widgets-{name}-{theme}", items.nth(index))
    return path


def _luminance(css_color: str) -> float:
    """Luminance (0-255) of a computed colour: rgb()/rgba() or color(srgb r g b) (0-1)."""
    values = [float(v) for v in re.findall(r"[\d.]+", css_color)[:3]]
    if css_color.startswith("color("):
        values = [v * 255 for v in values]
    r, g, b = values
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
