"""Failures the notebook user must see (issue 10 item 5, issue 13 item 5): a tool that
raises, an ``initial_thread`` that does not exist, and a Lab without the widgets frontend."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import LabPage, chat_root, type_and_send

FAILING_TOOL = """
from agents import Agent, RunContextWrapper, function_tool
from chatkit.agents import AgentContext
from chatkit.types import ProgressUpdateEvent
from chatkit_widget import ChatKitWidget
from chatkit_widget.models import OfflineModel

@function_tool
async def upload_report(ctx: RunContextWrapper[AgentContext], name: str) -> str:
    \"\"\"Upload a report.\"\"\"
    # As in ChatKit's guide, but "upload" is not one of ChatKit's icons.
    await ctx.context.stream(ProgressUpdateEvent(icon="upload", text="Uploading..."))
    return "uploaded"

chat = ChatKitWidget.from_agent(
    Agent(name="Assistant", model=OfflineModel(), tools=[upload_report]), height="420px"
)
chat
"""


def test_a_tool_that_raises_shows_a_warning_notice(lab_page: LabPage):
    lab_page.write_notebook("tool-error.ipynb", [FAILING_TOOL])
    lab_page.open("tool-error.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)

    type_and_send(lab_page, "upload_report q3")

    notice = root.locator(".ckw-banner--warning")
    expect(notice).to_contain_text("Tool upload_report failed")
    expect(notice).to_contain_text("ValidationError")
    # The model's answer still arrives: the SDK told it the tool failed.
    expect(root.locator(".ckw-assistant").last).to_contain_text("The tool upload_report returned")
    expect(root.get_by_role("textbox", name="Message")).to_be_enabled()
    lab_page.screenshot("notice-tool-error-light", root)
    lab_page.set_theme("JupyterLab Dark")
    lab_page.screenshot("notice-tool-error-dark", root)
    lab_page.set_theme("JupyterLab Light")  # Lab keeps the theme for the next tests


def test_a_missing_initial_thread_says_so_and_starts_a_new_chat(lab_page: LabPage):
    lab_page.write_notebook(
        "missing-thread.ipynb",
        [
            "from servers import PacedServer\nfrom chatkit_widget import ChatKitWidget\n"
            "chat = ChatKitWidget(PacedServer('Fresh start.', delay=0), initial_thread='thr_missing',"
            " height='360px')\nchat",
        ],
    )
    lab_page.open("missing-thread.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)

    notice = root.locator(".ckw-banner--warning")
    expect(notice).to_contain_text("Thread thr_missing not found; starting a new chat.")
    lab_page.screenshot("notice-missing-thread-light", root)

    type_and_send(lab_page, "hello")

    expect(root.locator(".ckw-assistant").last).to_contain_text("Fresh start.")
    expect(notice).to_have_count(0)  # notices last until the next response


def test_an_empty_chat_without_the_widgets_frontend_says_how_to_get_it(
    lab_page_without_widgets: LabPage,
):
    lab = lab_page_without_widgets
    lab.write_notebook(
        "no-frontend.ipynb",
        [
            "from servers import PacedServer\nfrom chatkit_widget import ChatKitWidget\n"
            "ChatKitWidget(PacedServer('hi'))",
        ],
    )
    lab.open("no-frontend.ipynb")
    lab.run_all()

    output = lab.page.locator(".jp-OutputArea-output.jp-RenderedMarkdown")
    expect(output).to_contain_text("pip install jupyterlab_widgets anywidget")
    expect(output).to_contain_text("in the environment that runs Jupyter")
    expect(output).not_to_contain_text("run this cell")
    lab.screenshot("no-frontend-empty-chat", output)
