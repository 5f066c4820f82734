"""A side channel for attachment bytes: a Jupyter server extension that takes a file as
one plain HTTP body and writes it where the kernel can adopt it.

Why: in Chromium, a 10 MB file over the kernel's websocket (as comm buffers) takes about
ten times as long as the same bytes in one HTTP request, because the browser pushes
websocket frames through its network process in small pieces (benchmarks/
bench_attachments.py measures both). The bytes stay binary either way.

How: the view picks a random id and, at the same time, PUTs the file to
``{base_url}chatkit-widget/uploads/<id>`` (the server streams the body to
``uploads_dir()/<id>``, renamed there once whole) and asks the kernel (a comm request,
``upload_file``) to create the attachment and adopt that file as soon as it appears. A
kernel that does not see the server's marker file (it runs on another machine), or a
page whose server lacks this extension (Voilà, marimo), gets the bytes as comm buffers.

Kept apart from ``chatkit_widget`` so the server imports neither the widget nor the
Agents SDK (``import chatkit_widget`` takes over a second).
"""

from __future__ import annotations

import os
import re
from typing import Any

__all__ = ["FILE_ID", "MARKER", "MARKER_PREFIX", "uploads_dir"]

# Upload ids (a view's random 32 hex digits); the server writes and the kernel adopts
# nothing else.
FILE_ID = re.compile(r"[0-9a-f]{32}")
# The server's marker file: its presence tells a kernel it sees the server's files.
MARKER_PREFIX = "server-"
MARKER = re.compile(MARKER_PREFIX + r"[0-9a-f]{32}")


def uploads_dir() -> str:
    """Where the server writes uploads and the kernel looks for them: a folder in the
    Jupyter runtime dir, which a local kernel shares with its server (same user, same
    environment)."""
    from jupyter_core.paths import jupyter_runtime_dir

    return os.path.join(jupyter_runtime_dir(), "chatkit-widget-uploads")


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": "chatkit_widget_uploads"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    from .handlers import setup_handlers

    setup_handlers(server_app)
