"""Specification of attachments: LocalAttachmentStore (memory and disk, one suite, as in
test_stores.py), the composer's limits, and uploads from a view as binary buffers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chatkit.server import ChatKitServer, NonStreamingResult
from chatkit.store import NotFoundError
from chatkit.types import AttachmentCreateParams, FileAttachment, ImageAttachment

from chatkit_widget import ChatKitWidget, LocalAttachmentStore, MemoryStore, SQLiteStore
from chatkit_widget.attachments import PREVIEW_PREFIX, AttachmentLimits, Upload

from .conftest import ScriptedServer, comm_of, settle

CTX: Any = None


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalAttachmentStore]:
    yield LocalAttachmentStore() if request.param == "memory" else LocalAttachmentStore(tmp_path)


def params(name: str = "a.txt", size: int = 5, mime: str = "text/plain") -> AttachmentCreateParams:
    return AttachmentCreateParams(name=name, size=size, mime_type=mime)


# -- the store ------------------------------------------------------------------------------


async def test_a_file_round_trips_its_bytes_written_in_chunks(store: LocalAttachmentStore) -> None:
    attachment = await store.create_attachment(params(size=11), CTX)
    assert isinstance(attachment, FileAttachment) and attachment.upload_descriptor is None
    assert store.write(attachment.id, 0, b"hello ") == 6
    assert not store.complete(attachment.id)
    assert store.write(attachment.id, 6, memoryview(b"world")) == 11
    assert store.complete(attachment.id)
    assert store.read(attachment.id) == b"hello world"


async def test_an_image_previews_from_the_kernel_not_from_widget_state(
    store: LocalAttachmentStore,
) -> None:
    attachment = await store.create_attachment(params("p.png", 3, "image/png"), CTX)
    assert isinstance(attachment, ImageAttachment)
    assert str(attachment.preview_url) == PREVIEW_PREFIX + attachment.id


async def test_chunks_may_arrive_out_of_order_but_not_twice_or_beyond_the_size(
    store: LocalAttachmentStore,
) -> None:
    attachment = await store.create_attachment(params(size=4), CTX)
    assert store.write(attachment.id, 2, b"cd") == 2
    with pytest.raises(ValueError, match="twice"):
        store.write(attachment.id, 2, b"cd")
    with pytest.raises(ValueError, match="more bytes"):
        store.write(attachment.id, 3, b"xy")
    assert not store.complete(attachment.id)
    assert store.write(attachment.id, 0, b"ab") == 4
    assert store.complete(attachment.id)
    assert store.read(attachment.id) == b"abcd"


async def test_delete_removes_the_bytes(store: LocalAttachmentStore) -> None:
    attachment = await store.create_attachment(params(size=1), CTX)
    store.write(attachment.id, 0, b"x")
    await store.delete_attachment(attachment.id, CTX)
    assert attachment.id not in store
    with pytest.raises(NotFoundError):
        store.read(attachment.id)
    await store.delete_attachment(attachment.id, CTX)  # deleting twice is a no-op


async def test_writing_to_an_unknown_attachment_raises_not_found(
    store: LocalAttachmentStore,
) -> None:
    with pytest.raises(NotFoundError):
        store.write("atc_nope", 0, b"x")


def test_a_disk_store_refuses_ids_that_name_other_paths(tmp_path: Path) -> None:
    store = LocalAttachmentStore(tmp_path)
    with pytest.raises(ValueError):
        store.read("../etc/passwd")


async def test_disk_bytes_survive_a_new_store_on_the_same_directory(tmp_path: Path) -> None:
    first = LocalAttachmentStore(tmp_path)
    attachment = await first.create_attachment(params(size=2), CTX)
    first.write(attachment.id, 0, b"ok")
    assert LocalAttachmentStore(tmp_path).read(attachment.id) == b"ok"


def test_beside_a_sqlite_store_is_on_disk_next_to_its_file(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "chats.db") as sqlite:
        assert LocalAttachmentStore.beside(sqlite).directory == tmp_path / "chats.db.attachments"
    assert LocalAttachmentStore.beside(MemoryStore()).directory is None


# -- limits ---------------------------------------------------------------------------------


def test_limits_accept_by_mime_pattern_or_extension() -> None:
    limits = AttachmentLimits.from_option({"accept": {"image/*": [], "text/csv": [".csv"]}})
    assert limits.accepts("a.png", "image/png")
    assert limits.accepts("a.csv", "application/octet-stream")
    assert not limits.accepts("a.pdf", "application/pdf")


def test_limits_name_the_first_problem() -> None:
    limits = AttachmentLimits.from_option({"max_size": 10, "max_count": 1})
    with pytest.raises(ValueError, match="too large"):
        limits.check([Upload("big.bin", "application/octet-stream", 11)])
    with pytest.raises(ValueError, match="too many"):
        limits.check([Upload("a", "text/plain", 1), Upload("b", "text/plain", 1)])


# -- uploads from a view (binary buffers) ---------------------------------------------------


class AttachingServer(ScriptedServer):
    def __init__(self) -> None:
        super().__init__()
        self.attachment_store = LocalAttachmentStore()


def request(widget: ChatKitWidget, method: str, params: dict[str, Any], *buffers: bytes) -> None:
    widget._handle_msg(
        {
            "content": {
                "data": {
                    "method": "custom",
                    "content": {
                        "type": "request",
                        "request_id": method,
                        "method": method,
                        "params": params,
                    },
                }
            },
            "buffers": [memoryview(b) for b in buffers],
        }
    )


def replies(widget: ChatKitWidget) -> dict[str, tuple[dict[str, Any], Any]]:
    return {
        data["content"]["request_id"]: (data["content"], buffers)
        for msg_type, data, buffers in comm_of(widget).published
        if msg_type == "comm_msg" and data.get("content", {}).get("type") == "reply"
    }


async def test_a_view_uploads_in_binary_chunks_and_sends_the_attachment() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    request(
        chat, "attachment_create", {"name": "p.png", "size": len(png), "mime_type": "image/png"}
    )
    await settle()
    created = replies(chat)["attachment_create"][0]
    assert created["ok"], created
    attachment_id = created["result"]["id"]
    request(chat, "upload_chunk", {"attachment_id": attachment_id, "offset": 0}, png[:1000])
    await settle()
    request(
        chat,
        "upload_chunk",
        {"attachment_id": attachment_id, "offset": 1000, "final": True},
        png[1000:],
    )
    await settle()
    assert replies(chat)["upload_chunk"][0]["result"] == {"received": len(png)}
    # No JSON message to the view carries the bytes (or their base64).
    assert all(len(json.dumps(d)) < 2000 for t, d, _ in comm_of(chat).published if t == "comm_msg")
    chat._handle_msg(
        {
            "content": {
                "data": {
                    "method": "custom",
                    "content": {"type": "send", "text": "look", "attachments": [attachment_id]},
                }
            },
            "buffers": [],
        }
    )
    await settle(0.2)
    item = chat.items[0]
    assert [a.id for a in item.attachments] == [attachment_id]  # type: ignore[union-attr]
    assert server.attachment_store.read(attachment_id) == png
    # A reloaded view gets the bytes back as a binary buffer.
    request(chat, "attachment_bytes", {"attachment_id": attachment_id})
    await settle()
    reply, buffers = replies(chat)["attachment_bytes"]
    assert reply["result"] == {"mime_type": "image/png", "name": "p.png"}
    assert bytes(buffers[0]) == png


async def test_a_pipelined_view_upload_needs_no_create_round_trip() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    data = bytes(range(256)) * 40
    meta = {"name": "d.bin", "size": len(data), "mime_type": ""}
    # Every chunk is sent at once; the first carries the metadata.
    for n, offset in enumerate(range(0, len(data), 4096)):
        chunk = data[offset : offset + 4096]
        extra = meta if offset == 0 else {}
        widget_request = {"upload_id": "u1", "offset": offset, **extra}
        request(chat, "upload_chunk", widget_request, chunk)
        if n == 0:
            request(chat, "tag_search", {"query": ""})  # other traffic in between
    await settle(0.2)
    reply = replies(chat)["upload_chunk"][0]
    assert reply["ok"], reply
    attachment_id = reply["result"]["attachment"]["id"]
    assert reply["result"]["attachment"]["mime_type"] == "application/octet-stream"
    assert server.attachment_store.complete(attachment_id)
    assert server.attachment_store.read(attachment_id) == data
    assert chat._composer._uploads == {}


async def test_a_refused_pipelined_upload_fails_every_chunk_and_keeps_nothing() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments={"max_size": 10})
    meta = {"name": "big.bin", "size": 20, "mime_type": ""}
    request(chat, "upload_chunk", {"upload_id": "u2", "offset": 0, **meta}, b"x" * 10)
    request(chat, "upload_chunk", {"upload_id": "u2", "offset": 10}, b"x" * 10)
    await settle(0.1)
    published = [
        data["content"]
        for t, data, _ in comm_of(chat).published
        if t == "comm_msg" and data.get("content", {}).get("type") == "reply"
    ]
    assert [r["ok"] for r in published] == [False, False]
    assert "too large" in published[0]["error"]
    assert chat._composer._uploads == {}
    assert server.attachment_store._blobs == {}


async def test_a_view_upload_beyond_max_size_is_refused_before_any_byte() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments={"max_size": 100})
    request(chat, "attachment_create", {"name": "big.bin", "size": 101, "mime_type": ""})
    await settle()
    reply = replies(chat)["attachment_create"][0]
    assert not reply["ok"] and "too large" in reply["error"]


async def test_sending_an_unfinished_upload_is_refused_with_a_notice() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    request(chat, "attachment_create", {"name": "a.txt", "size": 10, "mime_type": "text/plain"})
    await settle()
    attachment_id = replies(chat)["attachment_create"][0]["result"]["id"]
    chat._handle_msg(
        {
            "content": {
                "data": {
                    "method": "custom",
                    "content": {"type": "send", "text": "x", "attachments": [attachment_id]},
                }
            },
            "buffers": [],
        }
    )
    await settle(0.1)
    assert chat.items == []
    notices = [
        e
        for m in comm_of(chat).custom()
        if m["type"] == "batch"
        for e in m["events"]
        if e["type"] == "notice"
    ]
    assert "has not finished uploading" in notices[-1]["message"]


async def test_a_failed_chunk_leaves_no_half_uploaded_attachment() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    request(chat, "attachment_create", {"name": "a.txt", "size": 4, "mime_type": "text/plain"})
    await settle()
    attachment_id = replies(chat)["attachment_create"][0]["result"]["id"]
    request(chat, "upload_chunk", {"attachment_id": attachment_id, "offset": 0}, b"too long")
    await settle()
    assert not replies(chat)["upload_chunk"][0]["ok"]
    assert attachment_id not in server.attachment_store


async def test_the_server_stores_attachment_metadata_through_attachments_create() -> None:
    server = AttachingServer()
    result = await server.process(
        json.dumps(
            {
                "type": "attachments.create",
                "params": {"name": "a.txt", "size": 1, "mime_type": "text/plain"},
            }
        ),
        {},
    )
    assert isinstance(result, NonStreamingResult)
    attachment_id = json.loads(result.json)["id"]
    assert (await server.store.load_attachment(attachment_id, {})).name == "a.txt"
    assert isinstance(server, ChatKitServer)
