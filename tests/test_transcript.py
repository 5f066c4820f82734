"""The Markdown fallback (``to_markdown`` / ``text/markdown``) is safe to render trusted.

JupyterLab renders a fresh ``text/markdown`` output as trusted HTML, so every piece of
model and server text in it must come out inert under a real Markdown renderer (mistune,
CommonMark) — and still readable.
"""

from __future__ import annotations

import asyncio
import html as html_module
import re
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import mistune
import pytest
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ClientToolCallItem,
    CustomSummary,
    CustomTask,
    FileAttachment,
    InferenceOptions,
    ThoughtTask,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTextContent,
    WidgetItem,
    Workflow,
    WorkflowItem,
)
from chatkit.widgets import Card, Text, Title

from chatkit_widget import ChatKitWidget
from chatkit_widget.transcript import markdown_text, to_markdown

from .conftest import ScriptedServer
from .hostile import PAYLOADS, REPLY

NOW = datetime(2026, 1, 1)
ALLOWED_TAGS = {
    "p",
    "em",
    "strong",
    "code",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "ul",
    "ol",
    "li",
    "hr",
    "br",
    "del",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def rendered_elements(markdown: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    html = mistune.create_markdown(escape=False, plugins=["strikethrough", "table", "url"])(
        markdown
    )
    parser = _Elements()
    parser.feed(str(html))
    return parser.tags


def assert_inert(markdown: str) -> None:
    for tag, attrs in rendered_elements(markdown):
        assert tag in ALLOWED_TAGS, (tag, markdown)
        for name, value in attrs:
            if tag == "code" and name == "class":  # a fence's language
                assert re.fullmatch(r"language-[\w+#.-]+", value or ""), (value, markdown)
                continue
            assert name == "href" and tag == "a", (tag, name, markdown)
            assert (value or "").startswith(("https://", "http://")), (value, markdown)
            assert "evil.example" not in (value or "") or tag == "a", (value, markdown)
    for marker in ("\x1b", "\u202e"):
        assert marker not in markdown


def assistant(text: str, item_id: str = "a1") -> AssistantMessageItem:
    return AssistantMessageItem(
        id=item_id, thread_id="t", created_at=NOW, content=[AssistantMessageContent(text=text)]
    )


def user(text: str, **extra: object) -> UserMessageItem:
    return UserMessageItem(
        id="u1",
        thread_id="t",
        created_at=NOW,
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(),
        **extra,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_hostile_payload_renders_inert(payload: str):
    assert_inert(markdown_text(payload))
    assert_inert(to_markdown(ThreadMetadata(id="t", created_at=NOW, title=payload), []))


def test_the_whole_corpus_in_every_kind_of_item_renders_inert():
    items = [
        user(
            REPLY,
            quoted_text=REPLY,
            attachments=[FileAttachment(id="f", name=PAYLOADS[1], mime_type=PAYLOADS[0])],
        ),
        assistant(REPLY),
        ClientToolCallItem(
            id="c",
            thread_id="t",
            created_at=NOW,
            call_id="x",
            name=PAYLOADS[0],
            arguments={"q": PAYLOADS[1]},
            status="completed",
            output=PAYLOADS[3],
        ),
        WidgetItem(
            id="w", thread_id="t", created_at=NOW, widget=Card(children=[Text(value=REPLY)])
        ),
        WorkflowItem(
            id="f",
            thread_id="t",
            created_at=NOW,
            workflow=Workflow(
                type="custom",
                summary=CustomSummary(title=PAYLOADS[1]),
                tasks=[
                    CustomTask(title=PAYLOADS[0], content=PAYLOADS[2]),
                    ThoughtTask(title=PAYLOADS[4], content=PAYLOADS[5]),
                ],
            ),
        ),
    ]
    markdown = to_markdown(ThreadMetadata(id="t", created_at=NOW, title=PAYLOADS[7]), items)
    assert_inert(markdown)
    # Readable: the text of every item is there (the unclosed fence runs to the end).
    shown = html_module.unescape(str(mistune.html(markdown)))
    assert shown.count("Last line stays.") >= 3


def test_markdown_formatting_stays_readable():
    text = (
        "# Plan\n\n- **bold** and *em*\n- `a < b` in code\n\n"
        "```python\nif a < b:\n    pass\n```\n\nSee https://example.com now."
    )
    elements = rendered_elements(markdown_text(text))
    tags = [tag for tag, _ in elements]
    assert {"h1", "ul", "li", "strong", "em", "code", "pre"} <= set(tags)
    shown = html_module.unescape(str(mistune.html(markdown_text(text))))
    assert '<pre><code class="language-python">if a < b:\n    pass\n</code></pre>' in shown
    assert "<code>a < b</code> in code" in shown
    assert "See https://example.com now." in shown


def test_to_markdown_includes_widgets_workflows_tool_calls_and_attachments():
    items = [
        user(
            "look at this",
            attachments=[FileAttachment(id="f", name="report.pdf", mime_type="application/pdf")],
        ),
        ClientToolCallItem(
            id="c",
            thread_id="t",
            created_at=NOW,
            call_id="x",
            name="get_weather",
            arguments={"city": "Oslo"},
            status="completed",
            output={"temp": 3},
        ),
        WidgetItem(
            id="w1",
            thread_id="t",
            created_at=NOW,
            copy_text="Copied summary",
            widget=Card(children=[Text(value="ignored")]),
        ),
        WidgetItem(
            id="w2",
            thread_id="t",
            created_at=NOW,
            widget=Card(children=[Title(value="Forecast"), Text(value="Sunny, 21 C")]),
        ),
        WorkflowItem(
            id="f",
            thread_id="t",
            created_at=NOW,
            workflow=Workflow(
                type="custom",
                summary=CustomSummary(title="Researching"),
                tasks=[CustomTask(title="Searched the web", content="3 results")],
            ),
        ),
        assistant("Done."),
    ]
    shown = html_module.unescape(str(mistune.html(to_markdown(None, items))))
    for text in (
        "report.pdf",
        "get_weather",
        '{"city": "Oslo"}',
        '{"temp": 3}',
        "Copied summary",
        "Forecast",
        "Sunny, 21 C",
        "Researching",
        "Searched the web: 3 results",
        "Done.",
    ):
        assert text in shown, text
    assert "ignored" not in shown


async def test_the_widget_publishes_a_safe_markdown_and_plain_text_fallback():
    server = ScriptedServer(deltas=[REPLY])
    chat = ChatKitWidget(server)
    await chat.send(PAYLOADS[0])
    bundle = chat._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert_inert(bundle["text/markdown"])
    assert "Last line stays." in html_module.unescape(str(mistune.html(bundle["text/markdown"])))
    assert "\x1b" not in bundle["text/plain"]


async def test_a_hostile_thread_id_does_not_reach_the_plain_text_repr():
    chat = ChatKitWidget(ScriptedServer())
    await chat.send("hi")
    chat._thread_changed(chat.thread.model_copy(update={"id": "\x1b[2J" + "x" * 500}))
    text = repr(chat)
    assert "\x1b" not in text and len(text) < 120


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """What IPython would send to the frontend for display() / update_display()."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    sent: list[dict] = []

    def publish(data, metadata=None, source=None, *, transient=None, update=False, **kw):
        sent.append({"data": data, "transient": transient or {}, "update": update})

    monkeypatch.setattr(shell.display_pub, "publish", publish)
    return sent


async def test_a_displayed_chat_keeps_its_transcript_in_an_output_of_its_own(published):
    from IPython.display import display

    from chatkit_widget.saved_output import MARKER

    from .conftest import view_says

    chat = ChatKitWidget(ScriptedServer(deltas=["first <b>answer</b>"]))
    display(chat)
    # Two outputs: the view without Markdown, and the transcript (it starts with the marker
    # the view's CSS hides it by) under a display id of its own.
    assert [p["update"] for p in published] == [False, False]
    view, transcript = published[0], published[1]
    assert "application/vnd.jupyter.widget-view+json" in view["data"]
    assert "text/markdown" not in view["data"]
    assert "display_id" not in view["transient"]
    display_id = transcript["transient"]["display_id"]
    assert list(transcript["data"]) == ["text/markdown"]
    assert transcript["data"]["text/markdown"].startswith(MARKER + "\n")
    assert "empty so far" in transcript["data"]["text/markdown"]

    await chat.send("one")  # e.g. nbconvert: no view ever attaches
    updates = [p for p in published if p["update"]]
    assert len(updates) == 1  # once per response, not per token
    assert updates[0]["transient"]["display_id"] == display_id
    assert "first &lt;b>answer&lt;/b>" in updates[0]["data"]["text/markdown"]

    # With a view attached it goes on (only the widget's own output would re-create it).
    view_says(chat, {"type": "sync"})
    chat._saved._last = float("-inf")  # past the one-update-per-second limit
    await chat.send("two")
    updates = [p for p in published if p["update"]]
    assert len(updates) == 2
    assert updates[1]["transient"]["display_id"] == display_id
    assert updates[1]["data"]["text/markdown"].count("first &lt;b>answer&lt;/b>") == 2


async def test_the_transcript_output_is_not_updated_while_a_reply_streams(published):
    from IPython.display import display

    chat = ChatKitWidget(ScriptedServer(deltas=["a", "b", "c", "d"], delay=0.05))
    display(chat)
    chat._saved._last = float("-inf")
    task = asyncio.ensure_future(chat.send("one"))
    await asyncio.sleep(0.12)
    chat._refresh_display()  # e.g. a thread title arriving mid-stream
    assert not [p for p in published if p["update"]]
    await task
    updates = [p for p in published if p["update"]]
    assert len(updates) == 1 and "abcd" in updates[0]["data"]["text/markdown"]


async def test_updates_in_a_burst_are_throttled_and_the_last_one_lands_when_the_cell_ends(
    published,
):
    from IPython.display import display

    from chatkit_widget import saved_output

    chat = ChatKitWidget(ScriptedServer(deltas=["x"]))
    display(chat)
    await chat.send("one")
    await chat.send("two")  # within a second of the first update: held back
    updates = [p for p in published if p["update"]]
    assert len(updates) == 1 and "two" not in updates[0]["data"]["text/markdown"]
    saved_output._flush_all()  # what IPython's post_execute runs when the cell ends
    updates = [p for p in published if p["update"]]
    assert len(updates) == 2 and "two" in updates[1]["data"]["text/markdown"]


def test_to_markdown_names_a_reply_s_sources_without_live_links():
    from chatkit.types import Annotation, FileSource, URLSource

    item = AssistantMessageItem(
        id="a",
        thread_id="t",
        created_at=NOW,
        content=[
            AssistantMessageContent(
                text="See the docs.",
                annotations=[
                    Annotation(source=URLSource(title="The [docs]", url="javascript:alert(1)")),
                    Annotation(source=URLSource(title="The [docs]", url="javascript:alert(1)")),
                    Annotation(source=FileSource(title="Notes", filename="notes<b>.md")),
                ],
            )
        ],
    )
    markdown = to_markdown(None, [item])
    assert_inert(markdown)
    shown = html_module.unescape(re.sub("<[^>]+>", "", str(mistune.html(markdown))))
    assert "Sources: The [docs] (javascript:alert(1)); Notes (notes<b>.md)" in shown
    assert "<a " not in str(mistune.html(markdown))


def test_the_heading_is_the_chat_s_title_option_until_the_thread_has_one():
    assert to_markdown(None, [], default_title="My chat").startswith("# My chat")
    assert to_markdown(None, []).startswith("# New chat")


def test_to_markdown_names_a_generated_image_without_showing_it():
    from chatkit.types import GeneratedImage, GeneratedImageItem

    def image(url: str) -> GeneratedImageItem:
        return GeneratedImageItem(
            id="g", thread_id="t", created_at=NOW, image=GeneratedImage(id="i", url=url)
        )

    markdown = to_markdown(None, [image("https://evil.example/cat.png")])
    assert_inert(markdown)
    assert "*Generated image:* `https://evil.example/cat.png`" in markdown
    assert "<img" not in str(mistune.html(markdown)) and "<a " not in str(mistune.html(markdown))
    assert "base64" not in to_markdown(None, [image("data:image/png;base64,AAAA")])


async def test_an_unchanged_transcript_is_not_published_again(published):
    from IPython.display import display

    chat = ChatKitWidget(ScriptedServer(deltas=["x"]))
    display(chat)
    await chat.send("one")
    chat._saved._last = float("-inf")
    chat._refresh_display()  # a commit that changed nothing the transcript shows
    assert len([p for p in published if p["update"]]) == 1


def _exchange(n: int) -> list[Any]:
    return [
        UserMessageItem(
            id=f"u{n}",
            thread_id="t",
            created_at=NOW,
            content=[UserMessageTextContent(text=f"question {n}")],
            inference_options=InferenceOptions(),
        ),
        AssistantMessageItem(
            id=f"a{n}",
            thread_id="t",
            created_at=NOW,
            content=[AssistantMessageContent(text=f"answer {n} " + "x" * 400)],
        ),
    ]


def test_a_budget_keeps_the_newest_items_and_says_how_many_are_left_out():
    items = [item for n in range(100) for item in _exchange(n)]
    whole = to_markdown(None, items)
    assert "question 0" in whole and "answer 99" in whole

    markdown = to_markdown(None, items, max_chars=5_000)
    assert len(markdown) < 6_000
    assert "answer 99" in markdown and "question 0" not in markdown
    kept = markdown.count("answer ")
    assert kept >= 5
    shown = html_module.unescape(re.sub("<[^>]+>", "", str(mistune.html(markdown))))
    assert f"{200 - 2 * kept:,} earlier items not shown here" in shown
    # Within the budget, nothing is left out.
    assert to_markdown(None, items[:4], max_chars=5_000) == to_markdown(None, items[:4])


async def test_the_saved_transcript_of_a_long_thread_stays_small(published):
    from IPython.display import display

    from chatkit_widget.saved_output import MAX_CHARS

    chat = ChatKitWidget(ScriptedServer(deltas=["y" * 2_000]))
    display(chat)
    for n in range(30):
        chat._saved._last = float("-inf")
        await chat.send(f"q{n}")
    markdown = [p for p in published if p["update"]][-1]["data"]["text/markdown"]
    assert len(markdown) <= MAX_CHARS + 3_000
    assert "q29" in markdown and "earlier items not shown here" in markdown
    assert len(chat.to_markdown()) > 60_000  # the whole thread is still there on demand


def test_the_saved_transcript_keeps_its_headings_out_of_jupyterlab_s_table_of_contents():
    from chatkit_widget.saved_output import TOC_SKIP, out_of_toc

    reply = (
        "# Report\n\n## Stage 1 ##\ntext\nSetext title\n=====\n\n"
        "```python\n# a comment, not a heading\n```\n\n"
        "> ### Quoted\n- ## In a list\n\n    # indented code\n#hashtag\n"
    )
    marked = out_of_toc(reply).split("\n")
    assert marked[0] == f"# Report {TOC_SKIP}"
    # The closing sequence stays at the end, so it is still stripped.
    assert marked[2] == f"## Stage 1 {TOC_SKIP} ##"
    assert marked[4] == f"Setext title {TOC_SKIP}"
    assert "# a comment, not a heading" in marked
    assert f"> ### Quoted {TOC_SKIP}" in marked and f"- ## In a list {TOC_SKIP}" in marked
    assert "    # indented code" in marked and "#hashtag" in marked
    assert out_of_toc(reply).count(TOC_SKIP) == 5
