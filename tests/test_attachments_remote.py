"""Specification of uploads to an ``AttachmentStore`` that is not ours: the kernel follows
its ``upload_descriptor`` as ChatKit.js does (multipart POST with the field ``file``, or
the raw body as a PUT), against a real local HTTP server, holding at most one copy of the
bytes while it does."""

from __future__ import annotations

import hashlib
import http.server
import os
import threading
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from chatkit.store import AttachmentStore
from chatkit.types import (
    Attachment,
    AttachmentCreateParams,
    AttachmentUploadDescriptor,
    FileAttachment,
)
from pydantic import AnyUrl

from chatkit_widget import ChatKitWidget

from .conftest import ScriptedServer
from .test_composer import user_message


class Received(http.server.BaseHTTPRequestHandler):
    """Reads each body in small pieces and keeps only its hash: the test process's own
    memory stays the kernel's."""

    log: list[dict[str, Any]]

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self._take()

    def do_PUT(self) -> None:  # noqa: N802
        self._take()

    def _take(self) -> None:
        length = int(self.headers["Content-Length"])
        digest, left = hashlib.sha256(), length
        while left:
            piece = self.rfile.read(min(left, 1 << 16))
            digest.update(piece)
            left -= len(piece)
        self.log.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers),
                "length": length,
                "sha256": digest.hexdigest(),
            }
        )
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def upload_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    log: list[dict[str, Any]] = []
    handler = type("Handler", (Received,), {"log": log})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", log
    server.shutdown()
    server.server_close()


class RemoteAttachmentStore(AttachmentStore[Any]):
    def __init__(self, url: str, method: str) -> None:
        self.url, self.method = url, method

    async def create_attachment(self, input: AttachmentCreateParams, context: Any) -> Attachment:
        attachment_id = self.generate_attachment_id(input.mime_type, context)
        return FileAttachment(
            id=attachment_id,
            name=input.name,
            mime_type=input.mime_type,
            upload_descriptor=AttachmentUploadDescriptor(
                url=AnyUrl(f"{self.url}/files/{attachment_id}"),
                method=self.method,  # type: ignore[arg-type]
                headers={"X-Upload-Key": "secret-key"},
            ),
        )

    async def delete_attachment(self, attachment_id: str, context: Any) -> None:
        pass


class RemoteServer(ScriptedServer):
    def __init__(self, url: str, method: str) -> None:
        super().__init__()
        self.attachment_store = RemoteAttachmentStore(url, method)


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_send_uploads_to_the_descriptor_holding_one_copy_at_most(
    upload_server: tuple[str, list[dict[str, Any]]], method: str
) -> None:
    url, log = upload_server
    chat = ChatKitWidget(RemoteServer(url, method), attachments={"max_size": 1 << 24})
    data = os.urandom(8 << 20)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        await chat.send("look", attachments=[("a.bin", data)])
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    (attachment,) = user_message(chat).attachments
    (request,) = log
    assert request["method"] == method
    assert request["path"] == f"/files/{attachment.id}"
    assert request["headers"]["X-Upload-Key"] == "secret-key"
    if method == "PUT":
        assert request["headers"]["Content-Type"] == "application/octet-stream"
        expected = data
    else:
        content_type = request["headers"]["Content-Type"]
        assert content_type.startswith("multipart/form-data; boundary=")
        boundary = content_type.split("boundary=")[1]
        expected = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="a.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
    assert request["length"] == len(expected)
    assert request["sha256"] == hashlib.sha256(expected).hexdigest()
    # The bytes waiting for the upload are the one copy; no joined body, no second copy.
    assert peak < len(data) * 1.25, f"peak {peak / 2**20:.1f} MB for {len(data) / 2**20:.0f} MB"
