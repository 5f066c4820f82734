"""Specification of the HTTP side channel, kernel side: a file the Jupyter server wrote
(``chatkit_widget_uploads``) is adopted as an attachment through the ``upload_file``
request; a kernel that cannot see it says so, and nothing stays behind either way.

The server endpoint itself is specified in tests/ui/test_attachments_ui.py (a real
jupyter_server)."""

from __future__ import annotations

import os
import secrets
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from chatkit_widget import ChatKitWidget, LocalAttachmentStore
from chatkit_widget_uploads import uploads_dir

from .conftest import ScriptedServer, settle
from .test_attachments import replies, request


@pytest.fixture(autouse=True)
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    directory = Path(uploads_dir())
    directory.mkdir(parents=True)
    return directory


def server_file(data: bytes) -> str:
    """What the server extension leaves for the kernel: the bytes under a random id."""
    file_id = secrets.token_hex(16)
    (Path(uploads_dir()) / file_id).write_bytes(data)
    return file_id


class AttachingServer(ScriptedServer):
    def __init__(self, directory: Path | None = None) -> None:
        super().__init__()
        self.attachment_store = LocalAttachmentStore(directory)


async def adopt(chat: ChatKitWidget, params: dict[str, Any]) -> dict[str, Any]:
    request(chat, "upload_file", params)
    await settle(0.1)
    return replies(chat)["upload_file"][0]


@pytest.mark.parametrize("where", ["memory", "disk"])
async def test_a_server_written_file_becomes_the_attachment_and_is_gone(
    where: str, tmp_path: Path
) -> None:
    server = AttachingServer(tmp_path / "store" if where == "disk" else None)
    chat = ChatKitWidget(server, attachments=True)
    data = bytes(range(256)) * 4000
    file_id = server_file(data)
    reply = await adopt(
        chat, {"file_id": file_id, "name": "d.bin", "size": len(data), "mime_type": ""}
    )
    assert reply["ok"], reply
    result = reply["result"]
    assert result["found"] and result["received"] == len(data)
    attachment_id = result["attachment"]["id"]
    assert result["attachment"]["name"] == "d.bin"
    assert server.attachment_store.read(attachment_id) == data
    assert os.listdir(uploads_dir()) == []


async def test_adopting_into_memory_reads_straight_into_the_store() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments={"max_size": 1 << 24})
    data = os.urandom(8 << 20)
    file_id = server_file(data)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        reply = await adopt(
            chat, {"file_id": file_id, "name": "r.bin", "size": len(data), "mime_type": ""}
        )
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert reply["ok"], reply
    # The store's one copy, and nothing like a second one.
    assert peak < len(data) + (1 << 20)
    assert server.attachment_store.read(reply["result"]["attachment"]["id"]) == data


async def test_a_kernel_that_cannot_see_the_file_says_so_and_creates_nothing() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    reply = await adopt(
        chat, {"file_id": secrets.token_hex(16), "name": "a.txt", "size": 3, "mime_type": ""}
    )
    assert reply["ok"] and reply["result"] == {"found": False}
    assert server.attachment_store._blobs == {}


@pytest.mark.parametrize("file_id", ["../../etc/passwd", "ABC", "0" * 31, "/tmp/x" + "0" * 26])
async def test_only_ids_the_server_makes_name_a_file(file_id: str) -> None:
    chat = ChatKitWidget(AttachingServer(), attachments=True)
    reply = await adopt(chat, {"file_id": file_id, "name": "a", "size": 1, "mime_type": ""})
    assert not reply["ok"] and "not an upload id" in reply["error"]


async def test_a_link_in_the_uploads_folder_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"private")
    file_id = secrets.token_hex(16)
    (Path(uploads_dir()) / file_id).symlink_to(secret)
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    reply = await adopt(chat, {"file_id": file_id, "name": "s.txt", "size": 7, "mime_type": ""})
    assert not reply["ok"] and "cannot open the uploaded file" in reply["error"]
    assert server.attachment_store._blobs == {}
    assert secret.read_bytes() == b"private"


async def test_a_file_of_another_size_than_announced_is_refused_and_removed() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    file_id = server_file(b"12345")
    reply = await adopt(chat, {"file_id": file_id, "name": "a.txt", "size": 4, "mime_type": ""})
    assert not reply["ok"] and "5 bytes, not the 4 announced" in reply["error"]
    assert server.attachment_store._blobs == {}
    assert os.listdir(uploads_dir()) == []


async def test_the_composer_limits_apply_and_the_refused_file_is_removed() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments={"max_size": 4, "accept": {"text/csv": [".csv"]}})
    too_big = server_file(b"12345")
    reply = await adopt(chat, {"file_id": too_big, "name": "a.csv", "size": 5, "mime_type": ""})
    assert not reply["ok"] and "too large" in reply["error"]
    wrong_type = server_file(b"1234")
    reply = await adopt(
        chat, {"file_id": wrong_type, "name": "a.png", "size": 4, "mime_type": "image/png"}
    )
    assert not reply["ok"] and "not an accepted type" in reply["error"]
    assert server.attachment_store._blobs == {}
    assert os.listdir(uploads_dir()) == []


async def test_an_adopted_attachment_is_sent_with_a_message() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    file_id = server_file(b"item,price\napple,3\n")
    reply = await adopt(
        chat, {"file_id": file_id, "name": "p.csv", "size": 19, "mime_type": "text/csv"}
    )
    attachment_id = reply["result"]["attachment"]["id"]
    chat._handle_msg(
        {
            "content": {
                "data": {
                    "method": "custom",
                    "content": {"type": "send", "text": "sum", "attachments": [attachment_id]},
                }
            },
            "buffers": [],
        }
    )
    await settle(0.2)
    assert [a.id for a in chat.items[0].attachments] == [attachment_id]  # type: ignore[union-attr]
