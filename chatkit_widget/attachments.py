"""Attachments without HTTP: an in-process ``AttachmentStore``, the composer's limits, and
what ``chat.send(..., attachments=[...])`` accepts.

ChatKit.js uploads in two phases: ``attachments.create`` (metadata) and then the bytes,
to the ``upload_descriptor`` URL. Here the kernel is the client and the server runs in
the same process, so ``LocalAttachmentStore`` takes the bytes directly (``write``), and
the browser sends them to the kernel as binary comm buffers. With any other
``AttachmentStore`` the kernel follows ``upload_descriptor`` as ChatKit.js would.
"""

from __future__ import annotations

import io
import mimetypes
import os
import pathlib
import shutil
import threading
import urllib.request
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from chatkit.store import AttachmentStore, NotFoundError, Store
from chatkit.types import Attachment, AttachmentCreateParams, FileAttachment, ImageAttachment
from pydantic import AnyUrl

__all__ = [
    "PREVIEW_PREFIX",
    "AttachmentLimits",
    "LocalAttachmentStore",
    "Upload",
    "as_upload",
]

# Image previews point back at the kernel's store: the view fetches their bytes on
# demand, so no image is ever copied into widget state or a saved notebook.
PREVIEW_PREFIX = "chatkit-widget://attachments/"
CHUNK_SIZE = 1 << 20  # what headless uploads read and write at a time

DEFAULT_MAX_SIZE = 20 * 1024 * 1024
DEFAULT_MAX_COUNT = 10


class LocalAttachmentStore(AttachmentStore[Any]):
    """Attachment bytes kept by this process: in memory (``directory=None``) or as files
    in ``directory``. ``beside(store)`` puts them next to a ``SQLiteStore``'s file."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        # Made on the first attachment, so a chat that never attaches leaves no folder.
        self.directory = pathlib.Path(directory) if directory is not None else None
        # In memory, each attachment is allocated at its announced size once and filled in
        # place: no regrowth, so the kernel never holds a second copy while it arrives.
        self._blobs: dict[str, bytearray] = {}
        self._written: dict[str, int] = {}  # bytes arrived so far
        self._offsets: dict[str, set[int]] = {}
        self._expected: dict[str, int] = {}
        self._lock = threading.Lock()

    @classmethod
    def beside(cls, store: Store[Any] | None) -> LocalAttachmentStore:
        """On disk next to a store that has a file (``SQLiteStore``), else in memory."""
        path = getattr(store, "path", None)
        if isinstance(path, str) and path not in ("", ":memory:"):
            return cls(f"{path}.attachments")
        return cls()

    # -- AttachmentStore ------------------------------------------------------------------

    async def create_attachment(self, input: AttachmentCreateParams, context: Any) -> Attachment:
        attachment_id = self.generate_attachment_id(input.mime_type, context)
        with self._lock:
            self._expected[attachment_id] = input.size
            self._written[attachment_id] = 0
            if self.directory is None:
                self._blobs[attachment_id] = bytearray(input.size)
            else:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._file(attachment_id).write_bytes(b"")
        if input.mime_type.startswith("image/"):
            return ImageAttachment(
                id=attachment_id,
                name=input.name,
                mime_type=input.mime_type,
                preview_url=AnyUrl(PREVIEW_PREFIX + attachment_id),
            )
        return FileAttachment(id=attachment_id, name=input.name, mime_type=input.mime_type)

    async def delete_attachment(self, attachment_id: str, context: Any) -> None:
        with self._lock:
            self._expected.pop(attachment_id, None)
            self._blobs.pop(attachment_id, None)
            self._written.pop(attachment_id, None)
            self._offsets.pop(attachment_id, None)
            if self.directory is not None:
                self._file(attachment_id).unlink(missing_ok=True)

    # -- bytes ----------------------------------------------------------------------------

    def write(self, attachment_id: str, offset: int, data: bytes | memoryview) -> int:
        """Write ``data`` at ``offset``; returns how many bytes have arrived.

        Chunks may arrive in any order (a view pipelines them), never twice and never
        beyond the size announced at creation."""
        with self._lock:
            expected = self._expected.get(attachment_id)
            if expected is None:
                raise NotFoundError(f"attachment {attachment_id!r} is not being uploaded")
            if offset < 0 or offset + len(data) > expected:
                raise ValueError(f"more bytes than the {expected} announced")
            offsets = self._offsets.setdefault(attachment_id, set())
            if offset in offsets:
                raise ValueError(f"the chunk at offset {offset} arrived twice")
            offsets.add(offset)
            if self.directory is None:
                self._blobs[attachment_id][offset : offset + len(data)] = data
            else:
                with self._file(attachment_id).open("r+b") as f:
                    f.seek(offset)
                    f.write(data)
            self._written[attachment_id] = self._written.get(attachment_id, 0) + len(data)
            return self._written[attachment_id]

    def awaiting(self, attachment_id: str) -> int | None:
        """The announced size of an attachment created here that has no bytes yet."""
        with self._lock:
            if self._written.get(attachment_id, 1):
                return None
            return self._expected.get(attachment_id)

    def adopt(self, attachment_id: str, file: io.BufferedReader, path: str) -> None:
        """Take a whole upload at once: ``file`` (open, at its start) holds exactly the
        announced bytes. In memory they are read straight into the attachment's buffer (no
        second copy); on disk the file is moved into the store when it can be (else
        copied). The caller removes ``path`` afterwards if it is still there."""
        with self._lock:
            expected = self._expected.get(attachment_id)
            if expected is None:
                raise NotFoundError(f"attachment {attachment_id!r} is not being uploaded")
            if self._written.get(attachment_id):
                raise ValueError(f"attachment {attachment_id!r} already has bytes")
            if self.directory is None:
                read_exactly(file, memoryview(self._blobs[attachment_id]))
            else:
                self._move_in(file, path, self._file(attachment_id))
            self._written[attachment_id] = expected

    @staticmethod
    def _move_in(file: io.BufferedReader, path: str, target: pathlib.Path) -> None:
        before = os.fstat(file.fileno())
        try:
            os.replace(path, target)
        except OSError:  # another file system: copy
            with target.open("wb") as out:
                shutil.copyfileobj(file, out, CHUNK_SIZE)
            return
        moved = os.stat(target)
        if (moved.st_dev, moved.st_ino) != (before.st_dev, before.st_ino):
            # The name was pointed at another file after it was opened: take nothing.
            target.unlink(missing_ok=True)
            raise ValueError("the uploaded file changed while it was adopted")

    def complete(self, attachment_id: str) -> bool:
        """All announced bytes have arrived."""
        with self._lock:
            expected = self._expected.get(attachment_id)
            return expected is not None and self._size(attachment_id) == expected

    def read(self, attachment_id: str) -> bytes:
        with self._lock:
            if self.directory is None:
                blob = self._blobs.get(attachment_id)
                if blob is None:
                    raise NotFoundError(f"attachment {attachment_id!r} not found")
                return bytes(blob)
            path = self._file(attachment_id)
            if not path.exists():
                raise NotFoundError(f"attachment {attachment_id!r} not found")
            return path.read_bytes()

    def __contains__(self, attachment_id: object) -> bool:
        if not isinstance(attachment_id, str):
            return False
        if self.directory is None:
            return attachment_id in self._blobs
        return self._file(attachment_id).exists()

    def _size(self, attachment_id: str) -> int:
        if attachment_id in self._written:
            return self._written[attachment_id]
        if self.directory is None:
            return len(self._blobs.get(attachment_id, b""))
        path = self._file(attachment_id)  # written by an earlier process
        return path.stat().st_size if path.exists() else 0

    def _file(self, attachment_id: str) -> pathlib.Path:
        assert self.directory is not None
        # Ids come from generate_attachment_id; never let one name a path elsewhere.
        safe = "".join(c for c in attachment_id if c.isalnum() or c in "-_")
        if safe != attachment_id or not safe:
            raise ValueError(f"invalid attachment id {attachment_id!r}")
        return self.directory / safe


# -- limits (ChatKit.js composer.attachments) ---------------------------------------------


@dataclass(frozen=True)
class AttachmentLimits:
    """``composer.attachments``: ``enabled``, ``max_size`` (bytes), ``max_count``, and
    ``accept`` (MIME type or ``type/*`` → file extensions, as in ChatKit.js)."""

    enabled: bool = False
    max_size: int = DEFAULT_MAX_SIZE
    max_count: int = DEFAULT_MAX_COUNT
    accept: Mapping[str, list[str]] | None = None

    @classmethod
    def from_option(cls, option: Mapping[str, Any] | None) -> AttachmentLimits:
        if not option:
            return cls()
        accept = option.get("accept")
        if isinstance(accept, (list, tuple)):
            accept = {str(a): [] for a in accept}
        return cls(
            enabled=bool(option.get("enabled", True)),
            max_size=int(option.get("max_size") or DEFAULT_MAX_SIZE),
            max_count=int(option.get("max_count") or DEFAULT_MAX_COUNT),
            accept=dict(accept) if accept else None,
        )

    def accepts(self, name: str, mime_type: str) -> bool:
        if not self.accept:
            return True
        ext = pathlib.PurePath(name).suffix.lower()
        for pattern, extensions in self.accept.items():
            if pattern == mime_type or (
                pattern.endswith("/*") and mime_type.startswith(pattern[:-1])
            ):
                return True
            if ext and ext in [e.lower() for e in extensions or []]:
                return True
            if pattern.startswith(".") and pattern.lower() == ext:
                return True
        return False

    def check(self, uploads: list[Upload]) -> None:
        """Raise ``ValueError`` naming the first problem; nothing has been sent yet."""
        if len(uploads) > self.max_count:
            raise ValueError(
                f"too many attachments: {len(uploads)} (at most {self.max_count} per message)"
            )
        for upload in uploads:
            if upload.size > self.max_size:
                raise ValueError(
                    f"{upload.name} is too large: {_human(upload.size)} "
                    f"(at most {_human(self.max_size)})"
                )
            if not self.accepts(upload.name, upload.mime_type):
                raise ValueError(
                    f"{upload.name} ({upload.mime_type}) is not an accepted type "
                    f"(accepted: {', '.join(self.accept or {})})"
                )


def read_exactly(file: io.BufferedReader, target: memoryview) -> None:
    filled = 0
    while filled < len(target):
        n = file.readinto(target[filled:])
        if not n:
            raise ValueError(f"the uploaded file ended after {filled} bytes")
        filled += n
    if file.read(1):
        raise ValueError("the uploaded file is longer than announced")


def _human(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


# -- what send(attachments=[...]) accepts --------------------------------------------------


@dataclass
class Upload:
    """One attachment to upload: its name, type, size and where its bytes come from."""

    name: str
    mime_type: str
    size: int
    data: bytes | None = None
    path: pathlib.Path | None = None

    def chunks(self, size: int = CHUNK_SIZE) -> Iterator[memoryview]:
        if self.data is not None:
            view = memoryview(self.data)
            for start in range(0, len(view), size):
                yield view[start : start + size]
            return
        assert self.path is not None
        with self.path.open("rb") as f:
            while chunk := f.read(size):
                yield memoryview(chunk)


def guess_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def as_upload(source: Any) -> Upload:
    """A path, ``(name, bytes)``, a pandas DataFrame (CSV), a matplotlib or plotly figure
    (PNG), or ``(name, DataFrame | figure)`` to choose the name."""
    name: str | None = None
    if isinstance(source, tuple):
        if len(source) != 2 or not isinstance(source[0], str):
            raise ValueError("an attachment tuple is (name, bytes | DataFrame | figure)")
        name, source = source
    if isinstance(source, (str, os.PathLike)) and name is None:
        path = pathlib.Path(source).expanduser()
        if not path.is_file():
            raise ValueError(f"no such file to attach: {path}")
        return Upload(path.name, guess_type(path.name), path.stat().st_size, path=path)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if name is None:
            raise ValueError("give bytes a file name: attachments=[('data.bin', b'...')]")
        data = bytes(source)
        return Upload(name, guess_type(name), len(data), data=data)
    if _is_dataframe(source):
        data = source.to_csv(index=True).encode()
        name = name or "dataframe.csv"
        return Upload(name, "text/csv", len(data), data=data)
    if hasattr(source, "savefig"):  # matplotlib Figure
        buffer = io.BytesIO()
        source.savefig(buffer, format="png", bbox_inches="tight")
        data = buffer.getvalue()
        return Upload(name or "figure.png", "image/png", len(data), data=data)
    if hasattr(source, "to_image") and hasattr(source, "to_plotly_json"):  # plotly Figure
        try:
            # kaleido (the [plotly] extra) drives a Chrome or Chromium it finds on PATH.
            data = source.to_image(format="png")
        except Exception as exc:  # kaleido missing, or it found no browser
            reason = " ".join(str(exc).split())
            raise ValueError(
                f"cannot render the plotly figure as PNG ({reason}); install kaleido "
                "(pip install 'chatkit-widget[plotly]') and Chrome or Chromium, or attach a "
                "matplotlib figure or the figure's data instead"
            ) from exc
        return Upload(name or "figure.png", "image/png", len(data), data=data)
    raise ValueError(
        f"cannot attach a {type(source).__name__}: give a path, (name, bytes), a pandas "
        "DataFrame, or a matplotlib / plotly figure"
    )


def _is_dataframe(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "to_csv")


def as_uploads(sources: Iterable[Any] | None) -> list[Upload]:
    if sources is None:
        return []
    if isinstance(sources, (str, bytes, tuple, os.PathLike)) or not isinstance(sources, Iterable):
        sources = [sources]
    return [as_upload(source) for source in sources]


def http_upload(attachment: Attachment, data: bytes | bytearray | memoryview) -> None:
    """Follow ``upload_descriptor`` as ChatKit.js does: the file as multipart form field
    ``file`` (POST) or as the raw body (PUT). Blocking: run it in a thread. The body is
    sent in pieces of ``data`` itself, never joined into a second copy."""
    descriptor = attachment.upload_descriptor
    assert descriptor is not None
    headers = dict(descriptor.headers)
    view = memoryview(data)
    if descriptor.method == "POST":
        boundary = uuid.uuid4().hex
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{_form_escape(attachment.name)}"\r\n'
            f"Content-Type: {_form_escape(attachment.mime_type)}\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        parts: list[bytes | memoryview] = [head, *_pieces(view), tail]
        headers.setdefault("Content-Type", f"multipart/form-data; boundary={boundary}")
    else:
        parts = list(_pieces(view))
        headers.setdefault("Content-Type", _form_escape(attachment.mime_type))
    # An iterable body needs its length given, or urllib sends it chunked.
    headers["Content-Length"] = str(sum(len(part) for part in parts))
    request = urllib.request.Request(
        str(descriptor.url),
        data=parts,  # type: ignore[arg-type]  # urllib sends any buffers
        method=descriptor.method,
        headers=headers,
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        if response.status >= 300:
            raise ValueError(f"upload of {attachment.name} failed: HTTP {response.status}")


def _pieces(view: memoryview) -> Iterator[memoryview]:
    for start in range(0, len(view), CHUNK_SIZE):
        yield view[start : start + CHUNK_SIZE]


def _form_escape(value: str) -> str:
    """A name or type inside the form's headers: quotes and line breaks escaped as
    browsers' FormData does, so a file name cannot end the header or add one."""
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
