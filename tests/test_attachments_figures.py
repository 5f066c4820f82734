"""Plotly figures as headless attachments (issue 12): ``chat.send(..., attachments=[fig])``
renders the figure to PNG with kaleido (the ``[plotly]`` extra; kaleido drives the
Chrome or Chromium it finds, offline), and without kaleido the user gets a clear error and
nothing is sent."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import plotly.graph_objects as go

from chatkit_widget import ChatKitWidget

from .test_composer import AttachingServer, user_message


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_send_attaches_a_plotly_figure_as_a_png_rendered_by_kaleido() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server)
    figure = go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2]))
    figure.update_layout(width=400, height=300)
    await chat.send("what does this show?", attachments=[("bars.png", figure)])
    (attachment,) = user_message(chat).attachments
    assert attachment.type == "image" and attachment.name == "bars.png"
    assert attachment.mime_type == "image/png"
    assert png_size(server.attachment_store.read(attachment.id)) == (400, 300)


WITHOUT_KALEIDO = """
import asyncio, sys
sys.modules["kaleido"] = None  # as if it were not installed: plotly looks once, at import
import plotly.graph_objects as go
from chatkit_widget import ChatKitWidget
from tests.test_composer import AttachingServer

async def main():
    server = AttachingServer()
    chat = ChatKitWidget(server)
    try:
        await chat.send("x", attachments=[go.Figure(go.Scatter(y=[1, 3, 2]))])
    except ValueError as error:
        print(error)
    print(len(chat.items), len(server.attachment_store._blobs))

asyncio.run(main())
"""


def test_without_kaleido_a_plotly_figure_is_refused_clearly_and_nothing_is_sent() -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_KALEIDO],
        cwd=Path(__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    message, counts = result.stdout.strip().splitlines()
    assert message.startswith("cannot render the plotly figure as PNG (")
    assert "pip install 'chatkit-widget[plotly]'" in message
    assert counts == "0 0"  # no message, no attachment
