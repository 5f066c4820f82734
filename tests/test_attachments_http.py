"""Specification of the HTTP side channel, kernel side: while the Jupyter server
(``chatkit_widget_uploads``) writes the view's file, ``upload_file`` creates the
attachment, waits for the file and adopts it as the attachment's bytes; a kernel that
does not see the server's files says so (the view then sends comm buffers), a failed PUT
is abandoned, and nothing stays behind either way.

The server endpoint itself is specified in tests/ui/test_attachments_ui.py (a real
jupyter_server)."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
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


MARKER = "server-" + "ab" * 16


@pytest.fixture
def marker(runtime_dir: Path) -> str:
    (runtime_dir / MARKER).write_bytes(b"")
    return MARKER


async def begin(
    chat: ChatKitWidget, file_id: str, marker: str, name: str, size: int, mime_type: str = ""
) -> dict[str, Any]:
    """The view's ``upload_file``, sent as its PUT starts; the reply, once it came."""
    params = {"file_id": file_id, "marker": marker, "name": name, "size": size}
    request(chat, "upload_file", {**params, "mime_type": mime_type})
    return await wait_reply(chat, "upload_file")


async def wait_reply(chat: ChatKitWidget, method: str) -> dict[str, Any]:
    for _ in range(100):
        await settle(0.02)
        found = replies(chat).get(method)
        if found:
            return found[0]
    raise AssertionError(f"no reply to {method}")


class AttachingServer(ScriptedServer):
    def __init__(self, directory: Path | None = None) -> None:
        super().__init__()
        self.attachment_store = LocalAttachmentStore(directory)


async def create(chat: ChatKitWidget, name: str, size: int, mime_type: str = "") -> str:
    request(chat, "attachment_create", {"name": name, "size": size, "mime_type": mime_type})
    await settle()
    reply = replies(chat)["attachment_create"][0]
    assert reply["ok"], reply
    return str(reply["result"]["id"])


async def adopt(chat: ChatKitWidget, attachment_id: str, file_id: str) -> dict[str, Any]:
    request(chat, "upload_file", {"attachment_id": attachment_id, "file_id": file_id})
    await settle(0.1)
    return replies(chat)["upload_file"][0]


async def test_a_file_put_while_the_kernel_waits_is_adopted_once_whole(marker: str) -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    data = bytes(range(256)) * 400
    file_id = secrets.token_hex(16)
    request(
        chat,
        "upload_file",
        {"file_id": file_id, "marker": marker, "name": "d.bin", "size": len(data)},
    )
    await settle(0.05)
    assert "upload_file" not in replies(chat)  # waiting for the file
    # The server writes under a temporary name and renames once whole.
    part = Path(uploads_dir()) / f"{file_id}.part"
    part.write_bytes(data[:100])
    await settle(0.05)
    assert "upload_file" not in replies(chat)
    part.write_bytes(data)
    part.rename(part.with_suffix(""))
    reply = await wait_reply(chat, "upload_file")
    assert reply["ok"], reply
    assert reply["result"]["found"] and reply["result"]["adopted"]
    attachment_id = reply["result"]["attachment"]["id"]
    assert reply["result"]["attachment"]["name"] == "d.bin"
    assert server.attachment_store.read(attachment_id) == data
    assert os.listdir(uploads_dir()) == [marker]


async def test_a_kernel_that_does_not_see_the_servers_marker_says_so_at_once() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    reply = await begin(chat, secrets.token_hex(16), MARKER, "a.txt", 3)
    assert reply["ok"] and reply["result"] == {"found": False, "adopted": False}
    assert server.attachment_store._blobs == {}


async def test_a_failed_put_is_abandoned_and_its_attachment_goes(marker: str) -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    file_id = secrets.token_hex(16)
    request(chat, "upload_file", {"file_id": file_id, "marker": marker, "name": "a", "size": 3})
    await settle(0.05)
    assert len(server.attachment_store._blobs) == 1
    request(chat, "upload_abandon", {"file_id": file_id})
    await settle(0.1)
    reply = replies(chat)["upload_file"][0]
    assert not reply["ok"] and "the upload to the Jupyter server failed" in reply["error"]
    assert server.attachment_store._blobs == {}
    assert chat._composer._waiting == {}


async def test_a_slow_put_is_adopted_by_a_second_request(
    marker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("chatkit_widget.composer.ADOPT_WAIT_SECONDS", 0.05)
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    file_id = secrets.token_hex(16)
    reply = await begin(chat, file_id, marker, "slow.txt", 4)
    assert reply["ok"] and reply["result"]["found"] and not reply["result"]["adopted"]
    attachment_id = reply["result"]["attachment"]["id"]
    (Path(uploads_dir()) / file_id).write_bytes(b"slow")
    reply = await adopt(chat, attachment_id, file_id)
    assert reply["ok"] and reply["result"] == {"found": True, "adopted": True}, reply
    assert server.attachment_store.read(attachment_id) == b"slow"


async def test_the_composer_limits_apply_before_any_wait(marker: str) -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments={"max_size": 4, "accept": {"text/csv": [".csv"]}})
    reply = await begin(chat, secrets.token_hex(16), marker, "a.csv", 5)
    assert not reply["ok"] and "too large" in reply["error"]
    reply = await begin(chat, secrets.token_hex(16), marker, "a.png", 4, "image/png")
    assert not reply["ok"] and "not an accepted type" in reply["error"]
    assert server.attachment_store._blobs == {}
    assert chat._composer._waiting == {}


@pytest.mark.parametrize("where", ["memory", "disk"])
async def test_a_server_written_file_becomes_the_attachment_and_is_gone(
    where: str, tmp_path: Path
) -> None:
    server = AttachingServer(tmp_path / "store" if where == "disk" else None)
    chat = ChatKitWidget(server, attachments=True)
    data = bytes(range(256)) * 4000
    attachment_id = await create(chat, "d.bin", len(data))
    reply = await adopt(chat, attachment_id, server_file(data))
    assert reply["ok"] and reply["result"] == {"found": True, "adopted": True}, reply
    assert server.attachment_store.complete(attachment_id)
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
        attachment_id = await create(chat, "r.bin", len(data))
        reply = await adopt(chat, attachment_id, file_id)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert reply["ok"], reply
    # The store's one copy, and nothing like a second one.
    assert peak < len(data) + (1 << 20)
    assert server.attachment_store.read(attachment_id) == data


async def test_a_kernel_that_cannot_see_the_file_says_so_and_takes_comm_buffers_instead() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    attachment_id = await create(chat, "a.txt", 3)
    reply = await adopt(chat, attachment_id, secrets.token_hex(16))
    assert reply["ok"] and reply["result"] == {"found": False, "adopted": False}
    request(chat, "upload_chunk", {"attachment_id": attachment_id, "offset": 0}, b"abc")
    await settle()
    assert replies(chat)["upload_chunk"][0]["result"] == {"received": 3}
    assert server.attachment_store.read(attachment_id) == b"abc"


@pytest.mark.parametrize("file_id", ["../../etc/passwd", "ABC", "0" * 31, "/tmp/x" + "0" * 26])
async def test_only_ids_the_server_makes_name_a_file(file_id: str) -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    reply = await adopt(chat, await create(chat, "a", 1), file_id)
    assert not reply["ok"] and "not an upload id" in reply["error"]
    assert server.attachment_store._blobs == {}  # the attachment waits for nothing now


async def test_a_link_in_the_uploads_folder_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"private")
    file_id = secrets.token_hex(16)
    (Path(uploads_dir()) / file_id).symlink_to(secret)
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    reply = await adopt(chat, await create(chat, "s.txt", 7), file_id)
    assert not reply["ok"] and "cannot open the uploaded file" in reply["error"]
    assert server.attachment_store._blobs == {}
    assert secret.read_bytes() == b"private"


async def test_a_file_of_another_size_than_announced_is_refused_and_removed() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    reply = await adopt(chat, await create(chat, "a.txt", 4), server_file(b"12345"))
    assert not reply["ok"] and "5 bytes, not the 4 announced" in reply["error"]
    assert server.attachment_store._blobs == {}
    assert os.listdir(uploads_dir()) == []


async def test_only_a_fresh_attachment_of_this_chat_adopts_a_file() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    reply = await adopt(chat, "atc_unknown", server_file(b"abc"))
    assert not reply["ok"] and "not waiting for its bytes" in reply["error"]
    attachment_id = await create(chat, "a.txt", 3)
    request(chat, "upload_chunk", {"attachment_id": attachment_id, "offset": 0}, b"a")
    await settle()
    reply = await adopt(chat, attachment_id, server_file(b"xyz"))
    assert not reply["ok"] and "not waiting for its bytes" in reply["error"]
    # A wrong request deletes no attachment it names; the server's files are gone.
    assert server.attachment_store._written == {attachment_id: 1}
    assert os.listdir(uploads_dir()) == []


async def test_an_adopted_attachment_is_sent_with_a_message() -> None:
    server = AttachingServer()
    chat = ChatKitWidget(server, attachments=True)
    attachment_id = await create(chat, "p.csv", 19, "text/csv")
    reply = await adopt(chat, attachment_id, server_file(b"item,price\napple,3\n"))
    assert reply["ok"], reply
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


async def test_a_disk_store_on_another_file_system_copies_the_file_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runtime dir on tmpfs (/dev/shm), the store on the disk: no rename across them."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.fail("this test needs /dev/shm on another file system than the temp dir")
    runtime = Path(tempfile.mkdtemp(dir=shm))
    try:
        monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
        Path(uploads_dir()).mkdir()
        server = AttachingServer(tmp_path / "store")
        chat = ChatKitWidget(server, attachments=True)
        data = os.urandom(3 << 20)
        attachment_id = await create(chat, "far.bin", len(data))
        reply = await adopt(chat, attachment_id, server_file(data))
        assert reply["ok"] and reply["result"] == {"found": True, "adopted": True}, reply
        assert (tmp_path / "store" / attachment_id).read_bytes() == data
        assert os.listdir(uploads_dir()) == []
    finally:
        shutil.rmtree(runtime)
