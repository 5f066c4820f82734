"""Plain renderings of a thread, for places that cannot run the view.

Model and server text is untrusted here too: where the widget frontend is missing,
JupyterLab renders a fresh ``text/markdown`` output as *trusted* HTML, without sanitizing
it. So every piece of text that reaches the Markdown goes through ``markdown_text`` (or
``markdown_inline``), which leaves Markdown formatting readable but makes raw HTML, links,
images and math inert:

- ``<`` is escaped everywhere outside code, so no tag, comment or autolink can start;
- ``[`` and ``]`` are escaped, so there are no links, images or reference definitions
  (a URL still shows, and plain ``https://`` URLs are still linked by GFM);
- ``\\`` and ``$`` are escaped, so no math delimiter starts (MathJax could run ``\\href``);
- code blocks are re-fenced with a backtick fence longer than any backtick run inside
  (so nothing in them can close the fence: their content is never parsed);
- inline code stays a backtick span when it holds nothing that could be markup outside a
  span (so a parser pairing the backticks differently still finds nothing live); else it
  becomes ``<code>`` with the active characters as entities.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from chatkit.types import (
    AssistantMessageItem,
    ClientToolCallItem,
    CustomSummary,
    DurationSummary,
    GeneratedImageItem,
    TaskItem,
    ThreadItem,
    ThreadMetadata,
    UserMessageItem,
    UserMessageTagContent,
    WidgetItem,
    WorkflowItem,
)

# Long values (tool arguments and results) are cut in the transcript: it is a summary.
MAX_VALUE_CHARS = 300

_FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})(.*)$")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
# Bidirectional overrides can make text read differently from what it is.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_PROSE_ESCAPES = str.maketrans(
    {"<": "&lt;", "[": "&#91;", "]": "&#93;", "\\": "&#92;", "$": "&#36;", "`": "&#96;"}
)

_CODE_ESCAPES = str.maketrans({"&": "&amp;", **{chr(k): v for k, v in _PROSE_ESCAPES.items()}})
# What a backtick span may hold and stay a span: nothing markup-capable outside a span.
_PLAIN_CODE = re.compile(r"[^<>&\[\]\\$`|\n]+")
_BACKTICKS = re.compile(r"`+")


def _inline_code(text: str) -> str:
    """Untrusted text shown as inline code."""
    text = " ".join(_printable(text).split("\n"))
    if _PLAIN_CODE.fullmatch(text) and text.strip() == text:
        return f"`{text}`"
    return f"<code>{text.translate(_CODE_ESCAPES)}</code>"


def _code_block(body: str, language: str = "") -> str:
    """Untrusted text as a fenced code block no line of it can close."""
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    info = language if re.fullmatch(r"[\w+#.-]{1,30}", language) else ""
    return f"\n{fence}{info}\n{body}\n{fence}\n"


def _printable(text: str) -> str:
    """``text`` without control characters (ANSI escapes, NUL…), newlines and tabs kept."""
    return "".join(
        c
        for c in text
        if c in "\n\t" or (unicodedata.category(c) not in ("Cc", "Cs") and c not in _BIDI)
    )


def _prose(text: str) -> str:
    def code(match: re.Match[str]) -> str:
        content = match.group(2)
        if content.startswith(" ") and content.endswith(" ") and content.strip():
            content = content[1:-1]  # CommonMark strips one space on each side
        return _inline_code(content)

    parts: list[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(text[last : match.start()].translate(_PROSE_ESCAPES))
        parts.append(code(match))
        last = match.end()
    parts.append(text[last:].translate(_PROSE_ESCAPES))
    return "".join(parts)


def markdown_text(text: str) -> str:
    """Untrusted Markdown (a model reply), made safe to render as trusted HTML."""
    out: list[str] = []
    prose: list[str] = []
    lines = _printable(text).split("\n")
    i = 0
    while i < len(lines):
        opening = _FENCE_OPEN.match(lines[i])
        if opening is None or (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            prose.append(lines[i])
            i += 1
            continue
        if prose:
            out.append(_prose("\n".join(prose)))
            prose = []
        fence = opening.group(1)
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        i += 1
        while i < len(lines) and not closing.match(lines[i]):
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence (or past the end: an unclosed block runs to the end)
        out.append(_code_block("\n".join(body), opening.group(2).strip().split(" ")[0]))
    if prose:
        out.append(_prose("\n".join(prose)))
    return "\n".join(out)


def markdown_inline(text: str, max_chars: int | None = None) -> str:
    """Untrusted one-line text (a title, a tool name) for inside a Markdown line."""
    flat = " ".join(_printable(text).split())
    if max_chars is not None and len(flat) > max_chars:
        flat = flat[: max_chars - 1] + "…"
    return flat.translate(_PROSE_ESCAPES)


def plain_text(text: str, max_chars: int = 80) -> str:
    """Untrusted text for a ``text/plain`` representation: printable, one line, short."""
    flat = " ".join(_printable(text).split())
    return flat if len(flat) <= max_chars else flat[: max_chars - 1] + "…"


def _value(value: Any) -> str:
    """A JSON-ish value (tool arguments, results), short, as inert inline code."""
    try:
        text = value if isinstance(value, str) else json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > MAX_VALUE_CHARS:
        text = f"{text[:MAX_VALUE_CHARS]}… ({len(text):,} characters)"
    return _inline_code(" ".join(text.split()))


def widget_text(widget: Any) -> str:
    """The text a widget tree shows (titles, text, labels), one line per node."""
    lines: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("title", "value", "label", "text", "alt"):
                if isinstance(node.get(key), str) and node[key].strip():
                    lines.append(node[key].strip())
            for key, child in node.items():
                if isinstance(child, (dict, list)) and key not in ("onClickAction", "action"):
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    data = widget.model_dump(mode="json") if hasattr(widget, "model_dump") else widget
    walk(data)
    return "\n".join(lines)


def _quote(block: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in block.split("\n"))


def _workflow(item: WorkflowItem) -> str:
    workflow = item.workflow
    summary = workflow.summary
    if isinstance(summary, CustomSummary):
        heading = markdown_inline(summary.title, 200)
    elif isinstance(summary, DurationSummary):
        heading = f"worked for {summary.duration} s"
    else:
        heading = "reasoning" if workflow.type == "reasoning" else "workflow"
    lines = [f"*Workflow: {heading}*"]
    for task in workflow.tasks:
        lines.append(f"- {_task(task)}")
    return "\n".join(lines)


def _task(task: Any) -> str:
    title = getattr(task, "title", None) or getattr(task, "title_query", None) or task.type
    text = markdown_inline(str(title), 200)
    content = getattr(task, "content", None)
    if isinstance(content, str) and content.strip():
        text += f": {markdown_inline(content, 500)}"
    queries = getattr(task, "queries", None) or []
    if queries:
        text += " (" + ", ".join(markdown_inline(q, 100) for q in queries) + ")"
    return text


def _attachments(attachments: Iterable[Any]) -> list[str]:
    return [
        f"*Attachment: {markdown_inline(a.name, 200)} ({markdown_inline(a.mime_type, 100)})*"
        for a in attachments
    ]


def _sources(sources: Iterable[Any]) -> str:
    """An assistant message's annotation sources, each once: title and where it points
    (a URL or file name as inline code: shown, never a live link)."""
    seen: list[str] = []
    for source in sources:
        where = getattr(source, "url", None) or getattr(source, "filename", None)
        text = markdown_inline(source.title, 200)
        if isinstance(where, str) and where:
            text += f" ({_inline_code(where[:MAX_VALUE_CHARS])})"
        if text not in seen:
            seen.append(text)
    return "; ".join(seen)


# The items ``_item`` renders a section for.
_SECTION_TYPES = (
    UserMessageItem,
    AssistantMessageItem,
    ClientToolCallItem,
    WidgetItem,
    WorkflowItem,
    TaskItem,
    GeneratedImageItem,
)


def _item(item: ThreadItem) -> str | None:
    match item:
        case UserMessageItem():
            text = "".join(
                f"`@{c.text}`" if isinstance(c, UserMessageTagContent) else c.text
                for c in item.content
            )
            parts = ["**You:**"]
            if item.quoted_text:
                parts.append(_quote(markdown_text(item.quoted_text)))
            if text.strip():
                parts.append(markdown_text(text))
            parts.extend(_attachments(item.attachments))
            return "\n\n".join(parts)
        case AssistantMessageItem():
            text = "**Assistant:**\n\n" + markdown_text("".join(c.text for c in item.content))
            sources = _sources(a.source for c in item.content for a in c.annotations)
            return f"{text}\n\n*Sources:* {sources}" if sources else text
        case ClientToolCallItem():
            line = f"*Tool* {_value(item.name)} *({item.status})* {_value(item.arguments)}"
            if item.status == "completed":
                line += f" → {_value(item.output)}"
            return line
        case WidgetItem():
            text = item.copy_text if item.copy_text else widget_text(item.widget)
            return "*Widget:*\n\n" + _quote(markdown_text(text)) if text.strip() else "*Widget*"
        case WorkflowItem():
            return _workflow(item)
        case TaskItem():
            return f"*Task: {_task(item.task)}*"
        case GeneratedImageItem():
            # Where it is, as inert code (a live image could call out): data URLs unnamed.
            url = item.image.url if item.image else ""
            if not url or url.startswith("data:"):
                return "*Generated image*"
            return f"*Generated image:* {_inline_code(url[:MAX_VALUE_CHARS])}"
        case _:
            return None


def to_markdown(
    thread: ThreadMetadata | None,
    items: list[ThreadItem],
    default_title: str | None = None,
    max_chars: int | None = None,
) -> str:
    """The conversation as Markdown that is safe to render as trusted HTML: a heading,
    then one section per item (messages, tool calls, widgets, workflows, attachments,
    sources). ``default_title``: the heading when the thread has no title (the chat's
    ``title`` option). ``max_chars``: keep only the newest sections that fit in about
    that many characters, after a line that says how many earlier items are left out."""
    title = (
        thread.title
        if thread and thread.title
        else default_title or ("Chat" if thread else "New chat")
    )
    sections: list[str] = []
    size = 0
    left_out = 0
    # Newest first, so a budget keeps the end of the conversation.
    for index in range(len(items) - 1, -1, -1):
        section = _item(items[index])
        if not section:
            continue
        if max_chars is not None and sections and size + len(section) > max_chars:
            # Counted by type: rendering each earlier item only to count it was O(thread).
            left_out = sum(1 for item in items[: index + 1] if isinstance(item, _SECTION_TYPES))
            break
        sections.append(section)
        size += len(section) + 2
    parts = [f"# {markdown_inline(title, 200)}"]
    if left_out:
        parts.append(
            f"*{left_out:,} earlier item{'s' if left_out != 1 else ''} not shown here; "
            "the notebook's widget state and `chat.to_markdown()` hold the whole thread.*"
        )
    parts.extend(reversed(sections))
    return "\n\n".join(parts) + "\n"
