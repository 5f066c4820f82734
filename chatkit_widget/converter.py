"""Model input for what the composer sends: attachments and tags.

ChatKit's ``ThreadItemConverter`` leaves both to the integrator. Here: images become
``input_image`` (a data URL of the stored bytes), text-like files their text, PDFs and
other files ``input_file``; a notebook-variable tag becomes the description taken when it
was sent, any other tag its title and data.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from chatkit.agents import ThreadItemConverter
from chatkit.store import AttachmentStore
from chatkit.types import Attachment, ImageAttachment, UserMessageTagContent
from openai.types.responses import (
    ResponseInputContentParam,
    ResponseInputFileParam,
    ResponseInputImageParam,
    ResponseInputTextParam,
)

from .attachments import LocalAttachmentStore

__all__ = ["NotebookConverter"]

TEXT_CHARS = 100_000  # at most this much of a text file goes to the model
_TEXT_TYPES = (
    "application/json",
    "application/xml",
    "application/x-yaml",
    "application/yaml",
    "application/javascript",
    "application/x-python",
    "application/x-sh",
    "application/sql",
)


class NotebookConverter(ThreadItemConverter):
    """``ThreadItemConverter`` that reads attachment bytes from ``attachment_store``."""

    def __init__(self, attachment_store: AttachmentStore[Any] | None = None) -> None:
        self.attachment_store = attachment_store

    async def attachment_to_message_content(
        self, attachment: Attachment
    ) -> ResponseInputContentParam:
        data = self._bytes(attachment)
        mime = attachment.mime_type.split(";", 1)[0].strip().lower()
        if data is None:
            preview = str(getattr(attachment, "preview_url", "") or "")
            if isinstance(attachment, ImageAttachment) and preview.startswith("http"):
                return ResponseInputImageParam(type="input_image", detail="auto", image_url=preview)
            return ResponseInputTextParam(
                type="input_text",
                text=f"[Attached file {attachment.name} ({mime}): its contents are not available]",
            )
        encoded = base64.b64encode(data).decode()
        if mime.startswith("image/"):
            return ResponseInputImageParam(
                type="input_image", detail="auto", image_url=f"data:{mime};base64,{encoded}"
            )
        if mime.startswith("text/") or mime in _TEXT_TYPES:
            text = data.decode("utf-8", errors="replace")
            cut = len(text) > TEXT_CHARS
            return ResponseInputTextParam(
                type="input_text",
                text=f"Attached file {attachment.name} ({mime}"
                + (f", first {TEXT_CHARS} characters" if cut else "")
                + f"):\n```\n{text[:TEXT_CHARS]}\n```",
            )
        return ResponseInputFileParam(
            type="input_file",
            filename=attachment.name,
            file_data=f"data:{mime};base64,{encoded}",
        )

    async def tag_to_message_content(self, tag: UserMessageTagContent) -> ResponseInputContentParam:
        description = tag.data.get("description")
        if isinstance(description, str) and description:
            return ResponseInputTextParam(type="input_text", text=description)
        data = {k: v for k, v in tag.data.items() if k != "description"}
        detail = json.dumps(data, default=str, ensure_ascii=False)[:2000] if data else ""
        group = f" ({tag.group})" if tag.group else ""
        return ResponseInputTextParam(
            type="input_text",
            text=f"@{tag.text}{group}: entity id {tag.id}" + (f", data {detail}" if detail else ""),
        )

    def _bytes(self, attachment: Attachment) -> bytes | None:
        store = self.attachment_store
        if isinstance(store, LocalAttachmentStore) and attachment.id in store:
            return store.read(attachment.id)
        return None
