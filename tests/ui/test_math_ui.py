"""Math in a real JupyterLab and Chromium: TeX in a streamed reply is typeset (MathML)."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

REPLY = (
    "The area of a circle is $A = \\pi r^2$, and \\(e^{i\\pi} + 1 = 0\\).\n\n"
    "$$\n\\int_0^1 x^2\\,dx = \\frac{1}{3}\n$$\n\n"
    "Tickets cost $5 and $10.\n\n"
    "\\[\n\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}\n\\]\n"
)


def test_tex_in_a_streamed_reply_is_typeset(lab_page: LabPage):
    lab_page.write_notebook(
        "math.ipynb",
        [
            "from servers import PacedServer\nfrom chatkit_widget import ChatKitWidget\n"
            f"chat = ChatKitWidget(PacedServer({REPLY!r}, delay=0.01))\nchat",
        ],
    )
    lab_page.open("math.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    type_and_send(lab_page, "Some maths, please")

    assistant = root.locator(".ckw-assistant").last
    expect(root.get_by_role("button", name="Stop")).to_be_hidden(timeout=30_000)
    formulas = assistant.locator(".ckw-math")
    expect(formulas).to_have_count(4)
    expect(assistant.locator(".ckw-math-display")).to_have_count(2)
    lab_page.screenshot("math-light", assistant)
    # The browser lays the MathML out: a fraction's numerator sits above its denominator.
    fraction = assistant.locator(".ckw-math-display mfrac").first
    top, bottom = (fraction.locator("mn").nth(i).bounding_box() for i in (0, 1))
    assert top and bottom and top["y"] + top["height"] <= bottom["y"] + 1, (top, bottom)
    # No TeX delimiters left in the text, the thin space survived as TeX, prices are text.
    text = assistant.inner_text()
    assert "\\frac" not in text and "$$" not in text and "\\(" not in text
    integral = assistant.locator("annotation").nth(2).text_content()
    assert integral == "\\int_0^1 x^2\\,dx = \\frac{1}{3}"
    expect(assistant).to_contain_text("Tickets cost $5 and $10.")
    assert lab_page.external_requests == []  # no fonts or styles fetched from anywhere

    lab_page.set_theme("JupyterLab Dark")
    try:
        color = assistant.locator("math").first.evaluate("el => getComputedStyle(el).color")
        body = assistant.locator("p").first.evaluate("el => getComputedStyle(el).color")
        assert color == body  # math follows the theme's text colour
        expect(lab_page.page.locator("#jupyterlab-splash")).to_have_count(0)  # switch done
        lab_page.screenshot("math-dark", assistant)
    finally:
        lab_page.set_theme("JupyterLab Light")  # the Lab is shared with later tests
