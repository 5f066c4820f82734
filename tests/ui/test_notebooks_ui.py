"""Issue 6: the plot and map tutorial notebooks, driven in the real browser.

Each is copied unchanged into the Lab root, run top to bottom, then a message typed into
the chat's composer makes the offline model call the tool that sends the effect, and the
plotly figure / ipyleaflet map in the page must change.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def copy_notebook(lab_page: LabPage, name: str) -> None:
    source = NOTEBOOKS / name
    # A kernelspec Lab doesn't know would open a modal dialog and hang the test.
    assert json.loads(source.read_text())["metadata"]["kernelspec"]["name"] == "python3"
    shutil.copy(source, lab_page.lab.root / name)


def test_the_plot_notebook_plots_what_the_composer_asks_for(lab_page: LabPage):
    copy_notebook(lab_page, "03-effects-plot.ipynb")
    lab_page.open("03-effects-plot.ipynb")
    lab_page.run_all(timeout_ms=120_000)
    page, root = lab_page.page, chat_root(lab_page)
    plot = page.locator(".js-plotly-plot").first
    traces = plot.locator(".scatterlayer .trace")
    # The notebook's own cells plotted sin and cos.
    expect(traces).to_have_count(2, timeout=30_000)
    expect(plot.locator(".legendtext")).to_have_text(["sin", "cos"])
    status = page.locator(".widget-label", has_text="trace(s) on the chart")
    expect(status).to_have_text("2 trace(s) on the chart")
    lab_page.screenshot("notebook-plot-before", page.locator(".widget-hbox").first)

    type_and_send(lab_page, "plot function square")

    expect(root.locator(".ckw-user").last).to_have_text("plot function square")
    expect(root.locator(".ckw-assistant").last).to_contain_text("square", timeout=20_000)
    expect(traces).to_have_count(3)
    expect(plot.locator(".legendtext")).to_have_text(["sin", "cos", "square"])
    expect(status).to_have_text("3 trace(s) on the chart")
    # The new trace is a parabola: its path is drawn, not empty.
    assert len(traces.nth(2).locator("path.js-line").get_attribute("d") or "") > 100
    flash = page.locator(".widget-html").filter(has_text="Plotted square")
    expect(flash.locator("b")).to_have_text("square")
    lab_page.screenshot("notebook-plot-after", page.locator(".widget-hbox").first)


def test_the_map_notebook_adds_the_marker_the_composer_asks_for(lab_page: LabPage):
    copy_notebook(lab_page, "04-map.ipynb")
    lab_page.open("04-map.ipynb")
    lab_page.run_all(timeout_ms=120_000)
    page, root = lab_page.page, chat_root(lab_page)
    the_map = page.locator(".leaflet-container").first
    markers = the_map.locator(".leaflet-marker-pane > [role=button]")
    # The notebook's own cells added Berlin, Paris and Vienna.
    expect(markers).to_have_count(3, timeout=30_000)
    expect(the_map.locator(".leaflet-marker-pane > [title='Rome']")).to_have_count(0)
    lab_page.screenshot("notebook-map-before", page.locator(".widget-hbox").first)

    type_and_send(lab_page, "add_marker Rome")

    expect(root.locator(".ckw-assistant").last).to_contain_text("Rome", timeout=20_000)
    expect(markers).to_have_count(4)
    expect(the_map.locator(".leaflet-marker-pane > [title='Rome']")).to_have_count(1)
    expect(root.get_by_role("button", name="Stop")).to_be_hidden()
    # The lock (is_responding → not dragging) is released after the answer.
    expect(the_map).to_have_class(re.compile(r"(^|\s)leaflet-grab(\s|$)"))
    lab_page.screenshot("notebook-map-after", page.locator(".widget-hbox").first)
