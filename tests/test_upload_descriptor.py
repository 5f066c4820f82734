"""Attachments with an ``AttachmentStore`` other than ours: the kernel follows the
``upload_descriptor`` that ``create_attachment`` returns, as ChatKit.js does (multipart
field ``file`` for POST, the raw body for PUT, the descriptor's headers on both).

The upload target is a real HTTP server on 127.0.0.1, started by each test and stopped
by it (or by its own timer, should a test hang)."""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import threading
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest
from chatkit.server import ChatKitServer
from chatkit.store import AttachmentStore
from chatkit.types import (
    Attachment,
    AttachmentCreateParams,
    AttachmentUploadDescriptor,
    FileAttachment,
    ImageAttachment,
    ThreadItemDoneEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
)
from pydantic import AnyUrl

from chatkit_widget import ChatKitWidget, MemoryStore

from .conftest import comm_of, settle, view_says
from .test_attachments import replies, request
from .ui.server_kit import assistant_item

LIFETIME_SECONDS = 60  # the upload server stops itself after this, whatever the test does


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class UploadTarget:
    """What the HTTP server saw, and what it answers."""

    url: str
    received: list[Received] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    fail_with: int | None = None  # answer uploads with this status instead of 201


def _handler(target: UploadTarget) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 10  # a stuck client cannot hold a handler thread for long

        def _upload(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            filename = content_type = None
            data = body
            if self.command == "POST":
                # Multipart, as a browser's FormData: find the "file" field.
                head = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode()
                message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
                [part] = [
                    p
                    for p in message.iter_parts()
                    if p.get_param("name", header="content-disposition") == "file"
                ]
                filename, content_type = part.get_filename(), part.get_content_type()
                data = part.get_payload(decode=True)
            target.received.append(
                Received(
                    self.command,
                    self.path,
                    dict(self.headers),
                    filename,
                    content_type or self.headers["Content-Type"],
                    data,
                )
            )
            if target.fail_with is not None:
                self.send_response(target.fail_with)
                self.end_headers()
                return
            target.files[self.path.rsplit("/", 1)[-1]] = data
            self.send_response(201)
            self.end_headers()

        do_POST = do_PUT = _upload

        def do_GET(self) -> None:
            data = target.files.get(self.path.rsplit("/", 1)[-1])
            if data is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


@pytest.fixture
def upload_target() -> Iterator[UploadTarget]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    target = UploadTarget(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.RequestHandlerClass = _handler(target)
    httpd.daemon_threads = True
    serving = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    serving.start()
    deadline = threading.Timer(LIFETIME_SECONDS, httpd.shutdown)
    deadline.start()
    try:
        yield target
    finally:
        deadline.cancel()
        httpd.shutdown()
        httpd.server_close()
        serving.join(10)
        assert not serving.is_alive()


class RemoteAttachmentStore(AttachmentStore[Any]):
    """Like a cloud store: bytes go to an upload URL (with a token header); the server
    reads them back over HTTP."""

    def __init__(self, target: UploadTarget, method: Literal["POST", "PUT"]) -> None:
        self.target, self.method = target, method
        self.deleted: list[str] = []

    async def create_attachment(self, input: AttachmentCreateParams, context: Any) -> Attachment:
        attachment_id = self.generate_attachment_id(input.mime_type, context)
        descriptor = AttachmentUploadDescriptor(
            url=AnyUrl(f"{self.target.url}/upload/{attachment_id}"),
            method=self.method,
            headers={"X-Upload-Token": "secret-for-" + attachment_id},
        )
        if input.mime_type.startswith("image/"):
            return ImageAttachment(
                id=attachment_id,
                name=input.name,
                mime_type=input.mime_type,
                upload_descriptor=descriptor,
                preview_url=AnyUrl(f"{self.target.url}/files/{attachment_id}"),
            )
        return FileAttachment(
            id=attachment_id,
            name=input.name,
            mime_type=input.mime_type,
            upload_descriptor=descriptor,
        )

    async def delete_attachment(self, attachment_id: str, context: Any) -> None:
        self.deleted.append(attachment_id)
        self.target.files.pop(attachment_id, None)

    async def read(self, attachment_id: str) -> bytes:
        def get() -> bytes:
            url = f"{self.target.url}/files/{attachment_id}"
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                return response.read()

        return await asyncio.to_thread(get)


class ReadingServer(ChatKitServer[dict[str, Any]]):
    """Answers with what it reads of each attachment, fetched from the remote store."""

    def __init__(self, attachments: RemoteAttachmentStore) -> None:
        super().__init__(MemoryStore(), attachments)
        self.remote = attachments

    async def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: Any
    ) -> AsyncIterator[ThreadStreamEvent]:
        assert input_user_message is not None
        parts = []
        for attachment in input_user_message.attachments:
            data = await self.remote.read(attachment.id)
            parts.append(f"{attachment.name}: {len(data)} bytes, starts {data[:12]!r}")
        reply = "; ".join(parts) or "nothing attached"
        yield ThreadItemDoneEvent(item=assistant_item(self.store, thread, context, reply))


def user_attachments(chat: ChatKitWidget) -> list[Attachment]:
    return [a for i in chat.items if isinstance(i, UserMessageItem) for a in i.attachments]


async def test_a_post_descriptor_gets_the_file_as_multipart_and_the_server_reads_it(
    upload_target: UploadTarget,
):
    store = RemoteAttachmentStore(upload_target, "POST")
    chat = ChatKitWidget(ReadingServer(store), attachments=True)
    csv = b"item,price\napple,3\n" * 200_000  # 3.8 MB: several of the kernel's chunks

    turn = await chat.send("summarise", attachments=[("prices.csv", csv)])

    [upload] = upload_target.received
    [attachment] = user_attachments(chat)
    assert upload.method == "POST" and upload.path == f"/upload/{attachment.id}"
    assert (upload.filename, upload.content_type) == ("prices.csv", "text/csv")
    assert upload.headers["X-Upload-Token"] == "secret-for-" + attachment.id
    assert upload.data == csv
    assert turn.ok and turn.text == f"prices.csv: {len(csv)} bytes, starts b'item,price\\na'"


async def test_a_put_descriptor_gets_the_raw_bytes_with_the_files_type(
    upload_target: UploadTarget,
):
    store = RemoteAttachmentStore(upload_target, "PUT")
    chat = ChatKitWidget(ReadingServer(store), attachments=True)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64

    turn = await chat.send("look", attachments=[("dot.png", png)])

    [upload] = upload_target.received
    [attachment] = user_attachments(chat)
    assert isinstance(attachment, ImageAttachment)
    assert upload.method == "PUT" and upload.path == f"/upload/{attachment.id}"
    assert upload.content_type == "image/png" and upload.data == png
    assert upload.headers["X-Upload-Token"] == "secret-for-" + attachment.id
    assert turn.text == f"dot.png: {len(png)} bytes, starts {png[:12]!r}"


async def test_a_view_upload_reaches_the_descriptor_url_and_is_sent(
    upload_target: UploadTarget,
):
    store = RemoteAttachmentStore(upload_target, "POST")
    chat = ChatKitWidget(ReadingServer(store), attachments=True)
    data = bytes(range(256)) * 40
    meta = {"name": "d.bin", "size": len(data), "mime_type": "application/octet-stream"}
    # Pipelined, as the view uploads: every chunk at once, the first with the metadata.
    for offset in range(0, len(data), 4096):
        extra = meta if offset == 0 else {}
        request(
            chat,
            "upload_chunk",
            {"upload_id": "u1", "offset": offset, **extra},
            data[offset : offset + 4096],
        )
    for _ in range(100):
        await settle(0.05)
        if upload_target.received:
            break
    reply = replies(chat)["upload_chunk"][0]
    assert reply["ok"], reply
    attachment_id = reply["result"]["attachment"]["id"]
    assert [r.data for r in upload_target.received] == [data]
    view_says(chat, {"type": "send", "text": "read it", "attachments": [attachment_id]})
    for _ in range(100):
        await settle(0.05)
        if not chat.is_responding and len(chat.items) == 2:
            break
    assert [a.id for a in user_attachments(chat)] == [attachment_id]
    assert chat.items[-1].content[0].text == f"d.bin: {len(data)} bytes, starts {data[:12]!r}"  # type: ignore[union-attr]


async def test_a_refused_upload_raises_and_sends_nothing(upload_target: UploadTarget):
    upload_target.fail_with = 403
    store = RemoteAttachmentStore(upload_target, "PUT")
    server = ReadingServer(store)
    chat = ChatKitWidget(server, attachments=True)

    with pytest.raises(ValueError, match=r"could not upload notes\.txt: HTTP Error 403"):
        await chat.send("read", attachments=[("notes.txt", b"hello")])

    assert len(upload_target.received) == 1  # it was tried
    assert chat.items == [] and chat.thread_id is None  # no message went out
    assert len(store.deleted) == 1  # and the attachment was deleted, not left half-made
    assert not [m for m in comm_of(chat).custom() if m["type"] == "batch"]


async def test_a_file_name_cannot_break_the_multipart_form(upload_target: UploadTarget):
    store = RemoteAttachmentStore(upload_target, "POST")
    chat = ChatKitWidget(ReadingServer(store), attachments=True)
    # Quotes and line breaks are legal in file names; escaped as browsers' FormData does.
    name = 'say "hi"\r\nContent-Type: text/html\r\n\r\n.txt'

    turn = await chat.send("read", attachments=[(name, b"hello")])

    [upload] = upload_target.received
    assert upload.data == b"hello" and upload.content_type == "text/plain"
    assert upload.filename == "say %22hi%22%0D%0AContent-Type: text/html%0D%0A%0D%0A.txt"
    assert turn.text == f"{name}: 5 bytes, starts b'hello'"  # the attachment keeps its name


async def test_a_view_cannot_send_an_attachment_whose_upload_has_not_finished(
    upload_target: UploadTarget,
):
    store = RemoteAttachmentStore(upload_target, "PUT")
    chat = ChatKitWidget(ReadingServer(store), attachments=True)
    request(chat, "attachment_create", {"name": "a.txt", "size": 10, "mime_type": "text/plain"})
    await settle()
    attachment_id = replies(chat)["attachment_create"][0]["result"]["id"]
    request(chat, "upload_chunk", {"attachment_id": attachment_id, "offset": 0}, b"hello")
    await settle()
    view_says(chat, {"type": "send", "text": "x", "attachments": [attachment_id]})
    await settle(0.1)
    assert chat.items == [] and upload_target.received == []
    assert "has not finished uploading" in comm_of(chat).notices()[-1]["message"]
