"""Widget fixtures for the browser tests (copied next to the test notebooks).

``GalleryServer`` answers "gallery" with one widget item per ChatKit component (plus one
built from a ``WidgetTemplate``), "stream" with a widget grown by ``stream_widget`` from an
async generator, and "xss" with hostile text in every widget text surface.
"""

from __future__ import annotations

import asyncio
import base64
import struct
import zlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from chatkit.actions import Action
from chatkit.server import ChatKitServer, stream_widget
from chatkit.types import (
    ThreadItemDoneEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
    WidgetItem,
)
from chatkit.widgets import DynamicWidgetRoot, WidgetRoot, WidgetTemplate

from chatkit_widget import MemoryStore

if __package__:  # tests.ui.widget_servers
    from .server_kit import said, widget_item
else:  # copied next to a test notebook
    from server_kit import said, widget_item  # type: ignore[no-redef]


def png(width: int = 96, height: int = 64) -> str:
    """A small gradient PNG as a data: URL (images must not need the network)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((40 + x * 2, 90 + y * 2, 200)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"\x89PNG\r\n\x1a\n" + chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    )
    raw += chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(raw).decode()


def card(*children: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Card", "children": list(children), **props}


def text(value: str, **props: Any) -> dict[str, Any]:
    return {"type": "Text", "value": value, **props}


CHART_DATA = [
    {"month": "Jan", "desktop": 186, "mobile": 80, "tablet": 40},
    {"month": "Feb", "desktop": 305, "mobile": 200, "tablet": 62},
    {"month": "Mar", "desktop": 237, "mobile": 120, "tablet": 51},
    {"month": "Apr", "desktop": 173, "mobile": 190, "tablet": 70},
    {"month": "May", "desktop": 209, "mobile": 130, "tablet": 44},
    {"month": "Jun", "desktop": 214, "mobile": 140, "tablet": 90},
]

# One entry per component (name → a root showing it), in the order of chatkit/widgets.py.
GALLERY: list[tuple[str, dict[str, Any]]] = [
    (
        "Text",
        card(
            {"type": "Title", "value": "Text styles", "size": "md"},
            text("Body text in the default size."),
            text("Secondary, small", color="secondary", size="sm"),
            text("Semibold emphasis", weight="semibold", color="emphasis"),
            text("Italic and struck through", italic=True, lineThrough=True, color="tertiary"),
            text(
                "A very long line that gets truncated with an ellipsis because it does not fit "
                * 3,
                truncate=True,
            ),
            text("Clamped to two lines. " * 20, maxLines=2),
            {
                "type": "Row",
                "gap": 2,
                "children": [
                    text("success", color="success"),
                    text("warning", color="warning"),
                    text("danger", color="danger"),
                    text("blue-600", color="blue-600"),
                    text("themed", color={"light": "purple-600", "dark": "pink-300"}),
                ],
            },
        ),
    ),
    (
        "Title",
        card(
            {"type": "Title", "value": "Title 2xl", "size": "2xl"},
            {"type": "Title", "value": "Title lg", "size": "lg"},
            {"type": "Title", "value": "Title sm, centred", "size": "sm", "textAlign": "center"},
        ),
    ),
    (
        "Caption",
        card(
            {"type": "Caption", "value": "Caption lg", "size": "lg"},
            {"type": "Caption", "value": "Caption md (default)"},
            {"type": "Caption", "value": "Caption sm, danger", "size": "sm", "color": "danger"},
        ),
    ),
    (
        "Badge",
        card(
            {
                "type": "Row",
                "gap": 2,
                "wrap": "wrap",
                "children": [
                    {"type": "Badge", "label": "secondary"},
                    {"type": "Badge", "label": "success", "color": "success"},
                    {"type": "Badge", "label": "danger", "color": "danger", "variant": "solid"},
                    {"type": "Badge", "label": "warning", "color": "warning", "variant": "outline"},
                    {"type": "Badge", "label": "info", "color": "info", "pill": True},
                    {
                        "type": "Badge",
                        "label": "discovery",
                        "color": "discovery",
                        "size": "lg",
                        "pill": True,
                    },
                ],
            }
        ),
    ),
    (
        "Markdown",
        card(
            {
                "type": "Markdown",
                "value": (
                    "### Markdown\n\nWith **bold**, `code`, a [link](https://example.com) "
                    "and a list:\n\n"
                    "- one\n- two\n\n```python\nprint('hi')\n```"
                ),
            }
        ),
    ),
    (
        "Box",
        card(
            {
                "type": "Box",
                "direction": "row",
                "gap": 3,
                "padding": 3,
                "radius": "xl",
                "background": "surface-tertiary",
                "border": {"size": 1, "color": "subtle"},
                "align": "center",
                "children": [
                    {"type": "Box", "size": 40, "radius": "full", "background": "blue-500"},
                    {
                        "type": "Col",
                        "gap": 1,
                        "children": [
                            text("Box in a row", weight="semibold"),
                            text(
                                "padding 3, radius xl, border subtle", size="sm", color="secondary"
                            ),
                        ],
                    },
                ],
            },
            {
                "type": "Box",
                "padding": {"x": 4, "y": 2},
                "radius": "md",
                "background": {"light": "yellow-100", "dark": "yellow-900"},
                "children": [text("Theme-aware background {light, dark}")],
            },
        ),
    ),
    (
        "Row",
        card(
            {
                "type": "Row",
                "gap": 2,
                "justify": "between",
                "children": [
                    text("Left"),
                    text("Middle"),
                    text("Right"),
                ],
            }
        ),
    ),
    (
        "Col",
        card(
            {
                "type": "Col",
                "gap": 1,
                "align": "center",
                "children": [
                    text("Column"),
                    text("centred", color="secondary"),
                ],
            }
        ),
    ),
    (
        "Spacer",
        card(
            {
                "type": "Row",
                "children": [
                    text("Pushed apart"),
                    {"type": "Spacer"},
                    {"type": "Badge", "label": "by a Spacer"},
                ],
            }
        ),
    ),
    (
        "Divider",
        card(
            text("Above"),
            {"type": "Divider", "spacing": 2},
            text("Below"),
            {"type": "Divider", "flush": True},
            text("After a flush divider"),
        ),
    ),
    (
        "Icon",
        card(
            {
                "type": "Row",
                "gap": 3,
                "wrap": "wrap",
                "children": [
                    {"type": "Icon", "name": name, "size": "lg", "color": color}
                    for name, color in [
                        ("agent", "primary"),
                        ("analytics", "secondary"),
                        ("calendar", "info"),
                        ("check-circle-filled", "success"),
                        ("star-filled", "warning"),
                        ("bolt", "danger"),
                        ("sparkle", "discovery"),
                        ("globe", "secondary"),
                        ("mail", "secondary"),
                        ("map-pin", "secondary"),
                        ("lucide:rocket", "secondary"),
                        ("lucide:coffee", "secondary"),
                    ]
                ],
            }
        ),
    ),
    (
        "Image",
        card(
            {
                "type": "Row",
                "gap": 3,
                "children": [
                    {"type": "Image", "src": png(), "alt": "gradient", "size": 64, "radius": "lg"},
                    {
                        "type": "Image",
                        "src": png(),
                        "alt": "framed",
                        "width": 120,
                        "height": 64,
                        "fit": "cover",
                        "frame": True,
                    },
                    {
                        "type": "Image",
                        "src": "https://elsewhere.example/photo.jpg",
                        "alt": "remote photo",
                    },
                ],
            }
        ),
    ),
    (
        "Button",
        card(
            {
                "type": "Col",
                "gap": 2,
                "children": [
                    {
                        "type": "Row",
                        "gap": 2,
                        "wrap": "wrap",
                        "children": [
                            {
                                "type": "Button",
                                "label": "Primary",
                                "style": "primary",
                                "onClickAction": {"type": "demo"},
                            },
                            {"type": "Button", "label": "Secondary"},
                            {
                                "type": "Button",
                                "label": "Soft info",
                                "color": "info",
                                "variant": "soft",
                            },
                            {
                                "type": "Button",
                                "label": "Outline",
                                "variant": "outline",
                                "iconStart": "plus",
                            },
                            {
                                "type": "Button",
                                "label": "Ghost",
                                "variant": "ghost",
                                "iconEnd": "chevron-right",
                            },
                        ],
                    },
                    {
                        "type": "Row",
                        "gap": 2,
                        "wrap": "wrap",
                        "children": [
                            {"type": "Button", "label": "Danger", "color": "danger", "size": "sm"},
                            {
                                "type": "Button",
                                "label": "Success pill",
                                "color": "success",
                                "pill": True,
                            },
                            {
                                "type": "Button",
                                "iconStart": "reload",
                                "uniform": True,
                                "variant": "outline",
                            },
                            {
                                "type": "Button",
                                "label": "Disabled",
                                "color": "primary",
                                "disabled": True,
                            },
                        ],
                    },
                    {
                        "type": "Button",
                        "label": "Suggest more names",
                        "iconEnd": "sparkle",
                        "color": "discovery",
                        "variant": "outline",
                        "pill": True,
                        "block": True,
                        "size": "lg",
                    },
                ],
            }
        ),
    ),
    (
        "Form",
        card(
            {
                "type": "Form",
                "gap": 3,
                "onSubmitAction": {"type": "profile.save"},
                "children": [
                    {"type": "Title", "value": "Edit profile", "size": "sm"},
                    {
                        "type": "Col",
                        "gap": 1,
                        "children": [
                            {"type": "Label", "value": "Name", "fieldName": "user.name"},
                            {
                                "type": "Input",
                                "name": "user.name",
                                "placeholder": "Ada Lovelace",
                                "required": True,
                            },
                        ],
                    },
                    {
                        "type": "Col",
                        "gap": 1,
                        "children": [
                            {"type": "Label", "value": "Bio", "fieldName": "user.bio"},
                            {
                                "type": "Textarea",
                                "name": "user.bio",
                                "rows": 2,
                                "placeholder": "A few words",
                            },
                        ],
                    },
                    {
                        "type": "Row",
                        "gap": 3,
                        "children": [
                            {
                                "type": "Select",
                                "name": "plan",
                                "placeholder": "Plan",
                                "options": [
                                    {"value": "free", "label": "Free"},
                                    {"value": "pro", "label": "Pro"},
                                ],
                            },
                            {
                                "type": "DatePicker",
                                "name": "start",
                                "defaultValue": "2025-03-01T00:00:00",
                            },
                        ],
                    },
                    {
                        "type": "Checkbox",
                        "name": "terms",
                        "label": "I accept the terms",
                        "required": True,
                    },
                    {
                        "type": "RadioGroup",
                        "name": "size",
                        "direction": "row",
                        "defaultValue": "m",
                        "options": [
                            {"value": "s", "label": "Small"},
                            {"value": "m", "label": "Medium"},
                            {"value": "l", "label": "Large"},
                        ],
                    },
                    text("Editable text", editable={"name": "note", "placeholder": "Type here"}),
                    {"type": "Button", "label": "Save", "style": "primary", "submit": True},
                ],
            }
        ),
    ),
    (
        "Chart",
        card(
            {"type": "Title", "value": "Visitors", "size": "sm"},
            {
                "type": "Chart",
                "height": 180,
                "data": CHART_DATA,
                "xAxis": "month",
                "showLegend": True,
                "series": [
                    {"type": "bar", "dataKey": "desktop", "label": "Desktop", "color": "blue"},
                    {"type": "bar", "dataKey": "mobile", "label": "Mobile", "color": "purple"},
                ],
            },
            {
                "type": "Chart",
                "height": 150,
                "data": CHART_DATA,
                "xAxis": {"dataKey": "month"},
                "series": [
                    {
                        "type": "area",
                        "dataKey": "mobile",
                        "label": "Mobile",
                        "stack": "a",
                        "curveType": "natural",
                    },
                    {
                        "type": "area",
                        "dataKey": "tablet",
                        "label": "Tablet",
                        "stack": "a",
                        "color": "green",
                    },
                    {
                        "type": "line",
                        "dataKey": "desktop",
                        "label": "Desktop",
                        "color": "orange",
                        "curveType": "monotone",
                    },
                ],
            },
            size="lg",
        ),
    ),
    ("Transition", card({"type": "Transition", "children": text("Inside a Transition", key="t1")})),
    (
        "Card",
        {
            "type": "Card",
            "size": "sm",
            "status": {"text": "Booking", "icon": "suitcase"},
            "confirm": {"label": "Confirm", "action": {"type": "book"}},
            "cancel": {"label": "Cancel", "action": {"type": "cancel"}},
            "children": [
                {"type": "Title", "value": "SFO → JFK", "size": "lg"},
                text("Tue, 4 Mar · 08:15 – 16:40", color="secondary", size="sm"),
            ],
        },
    ),
    (
        "ListView",
        {
            "type": "ListView",
            "limit": 3,
            "status": {"text": "Restaurants nearby", "icon": "map-pin"},
            "children": [
                {
                    "type": "ListViewItem",
                    "key": f"r{n}",
                    "onClickAction": {"type": "pick", "handler": "client", "payload": {"n": n}},
                    "children": [
                        {
                            "type": "Icon",
                            "name": "empty-circle",
                            "size": "lg",
                            "color": "secondary",
                        },
                        {
                            "type": "Col",
                            "gap": 0,
                            "children": [
                                text(name, weight="semibold"),
                                text(kind, size="sm", color="tertiary"),
                            ],
                        },
                        {"type": "Spacer"},
                        {"type": "Badge", "label": f"{stars}★", "color": "warning"},
                    ],
                }
                for n, (name, kind, stars) in enumerate(
                    [
                        ("Tartine", "Bakery", 4.7),
                        ("Nopa", "Californian", 4.5),
                        ("Zuni Café", "Mediterranean", 4.4),
                        ("Souvla", "Greek", 4.3),
                        ("Delfina", "Italian", 4.6),
                    ]
                )
            ],
        },
    ),
    (
        "Basic",
        {
            "type": "Basic",
            "direction": "row",
            "gap": 3,
            "align": "center",
            "children": [
                {"type": "Image", "src": png(40, 40), "size": 40, "radius": "full"},
                {
                    "type": "Col",
                    "children": [
                        text("Basic root", weight="semibold"),
                        {"type": "Caption", "value": "Entity preview style"},
                    ],
                },
            ],
        },
    ),
    (
        "Themed",
        card(
            {
                "type": "Row",
                "gap": 2,
                "children": [
                    {"type": "Icon", "name": "star-filled", "color": "warning"},
                    text('Card with theme="dark", whatever the page\'s theme', weight="medium"),
                ],
            },
            {"type": "Button", "label": "Primary here", "style": "primary", "size": "sm"},
            theme="dark",
        ),
    ),
    ("Unknown", card({"type": "Hologram", "title": "An unknown component reads as text"})),
]

TEMPLATE = WidgetTemplate(
    {
        "version": "1.0",
        "name": "cat_names",
        "template": (
            '{"type":"ListView","children":[{% for s in items %}{% if not loop.first %},{% endif %}'
            '{"type":"ListViewItem","key":{{ s.name | tojson }},"children":[{"type":"Row","gap":3,'
            '"children":[{"type":"Icon","name":"dot","color":"gray-300","size":"xl"},{"type":"Col",'
            '"gap":1,"children":[{"type":"Text","value":{{ s.name | tojson }},"weight":"semibold"},'
            '{"type":"Text","value":{{ s.reason | tojson }},"color":"tertiary","size":"sm"}]}]}]}'
            "{% endfor %}]}"
        ),
    }
)


def template_widget() -> WidgetRoot:
    """A root built from a template, as servers built with the Widget Builder make them."""
    return TEMPLATE.build(
        {
            "items": [
                {"name": "Whiskers", "reason": "Classic and friendly"},
                {"name": "Mochi", "reason": "Sweet and round"},
            ]
        }
    )


def root(widget: dict[str, Any]) -> WidgetRoot:
    return DynamicWidgetRoot.model_validate(widget)


try:  # the shared XSS corpus (tests/hostile.py), copied next to this file by the tests
    from hostile import REPLY as HOSTILE_MD
except ImportError:  # pragma: no cover - imported from elsewhere
    HOSTILE_MD = "<script>window.__xss = 1</script>\n\nLast line stays."

HOSTILE = (
    "<img src=x onerror=\"console.log('XSS-MARKER w');window.__xss=1\">"
    "<script>window.__xss=1</script>"
)


def hostile_widgets() -> list[dict[str, Any]]:
    """Every widget surface that shows server text, with markup in it."""
    return [
        card(
            {"type": "Title", "value": HOSTILE},
            {"type": "Caption", "value": HOSTILE},
            text(HOSTILE),
            text(HOSTILE, editable={"name": "e", "placeholder": HOSTILE}),
            {"type": "Label", "value": HOSTILE, "fieldName": "x"},
            {"type": "Badge", "label": HOSTILE},
            {"type": "Button", "label": HOSTILE, "iconStart": HOSTILE},
            {"type": "Markdown", "value": HOSTILE_MD},
            {"type": "Image", "src": "javascript:console.log('XSS-MARKER image')", "alt": HOSTILE},
            {"type": "Image", "src": "https://evil.example/tracker.png", "alt": "tracker"},
            {"type": "Box", "background": "url(https://evil.example/bg.png)", "height": 10},
            {"type": "Input", "name": "i", "placeholder": HOSTILE, "defaultValue": HOSTILE},
            {
                "type": "Select",
                "name": "s",
                "placeholder": HOSTILE,
                "options": [{"value": HOSTILE, "label": HOSTILE}],
            },
            {"type": "Checkbox", "name": "c", "label": HOSTILE},
            {"type": "RadioGroup", "name": "r", "options": [{"value": "a", "label": HOSTILE}]},
            {
                "type": "Chart",
                "data": [{"x": HOSTILE, "y": 1}],
                "xAxis": "x",
                "series": [
                    {
                        "type": "bar",
                        "dataKey": "y",
                        "label": HOSTILE,
                        "color": "url(https://evil.example/c)",
                    }
                ],
            },
            {"type": HOSTILE, "title": HOSTILE},
            status={"text": HOSTILE, "favicon": "https://evil.example/favicon.ico"},
            confirm={"label": HOSTILE, "action": {"type": "x"}},
        ),
        {
            "type": "ListView",
            "status": {"text": HOSTILE, "icon": HOSTILE},
            "children": [{"type": "ListViewItem", "children": [text(HOSTILE)]}],
        },
        # Layout props trying to paint over the chat's header and composer.
        {
            "type": "Basic",
            "margin": {"top": -400, "bottom": -400},
            "children": [
                {
                    "type": "Box",
                    "height": 3000,
                    "width": "200vw",
                    "margin": "-1500px",
                    "background": "red-500",
                    "children": [text("Your session expired: sign in again")],
                },
            ],
        },
    ]


class GalleryServer(ChatKitServer[dict[str, Any]]):
    """Answers with widgets (see the module docstring); ``delay`` paces the streamed one."""

    def __init__(self, delay: float = 0.05) -> None:
        super().__init__(MemoryStore())
        self.delay = delay

    def _item(
        self, thread: ThreadMetadata, context: dict[str, Any], widget: WidgetRoot, copy_text: str
    ) -> ThreadItemDoneEvent:
        return ThreadItemDoneEvent(item=widget_item(self.store, thread, context, widget, copy_text))

    async def respond(
        self,
        thread: ThreadMetadata,
        input_user_message: UserMessageItem | None,
        context: dict[str, Any],
    ) -> AsyncIterator[ThreadStreamEvent]:
        said_text = said(input_user_message)
        if "xss" in said_text:
            for widget in hostile_widgets():
                yield self._item(thread, context, root(widget), "hostile")
            return
        if "stream" in said_text:
            async for event in stream_widget(
                thread,
                self._grow(),
                copy_text="streamed",
                generate_id=lambda kind: self.store.generate_item_id(kind, thread, context),
            ):
                yield event
            return
        for name, widget in GALLERY:
            yield self._item(thread, context, root(widget), name)
        yield self._item(thread, context, template_widget(), "template")

    async def action(
        self,
        thread: ThreadMetadata,
        action: Action[str, Any],
        sender: WidgetItem | None,
        context: dict[str, Any],
    ) -> AsyncIterator[ThreadStreamEvent]:
        """Every gallery action takes a moment and answers nothing (its loading state shows)."""
        await asyncio.sleep(1.0)
        return
        yield

    async def _grow(self) -> AsyncGenerator[WidgetRoot, None]:
        words = [f"word{n}" for n in range(40)]
        for n in range(0, len(words) + 1, 4):
            status = "Done" if n == len(words) else "Writing…"
            yield root(
                card(
                    {
                        "type": "Row",
                        "children": [
                            {"type": "Title", "value": "Draft", "size": "sm"},
                            {"type": "Spacer"},
                            {
                                "type": "Badge",
                                "id": "state",
                                "label": status,
                                "color": "success" if status == "Done" else "info",
                            },
                        ],
                    },
                    {"type": "Markdown", "id": "body", "value": " ".join(words[:n])},
                )
            )
            await asyncio.sleep(self.delay)
