"""The upload endpoint, under ``{base_url}chatkit-widget/uploads``:

- ``GET``: this server's marker, ``{"marker": id}``: a file of that name in
  ``uploads_dir()`` lets a kernel tell that it sees the server's files;
- ``PUT /<id>`` (the file as the raw body; ``id``: 32 hex digits the view chose) →
  ``{"size": n}``, the file written as ``uploads_dir()/<id>`` once whole;
- ``DELETE /<id>``: drop an upload no kernel will adopt, whether its PUT has ended, is
  arriving or is still to come.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from . import FILE_ID, MARKER_PREFIX, uploads_dir

# Bodies past this are refused before they are read (the chat's own max_size, checked by
# the kernel, is usually far lower).
MAX_BYTES = 1 << 30
# Uploads no kernel adopted (a kernel elsewhere, a closed page) are swept after this.
STALE_SECONDS = 3600
# Marks an id the view dropped (swept like the rest).
GONE = ".gone"
# One per server process; refreshed on every request, so a sweep never takes it.
MARKER = MARKER_PREFIX + secrets.token_hex(16)


def _prepare_dir() -> str:
    directory = uploads_dir()
    os.makedirs(directory, mode=0o700, exist_ok=True)
    cutoff = time.time() - STALE_SECONDS
    for entry in list(os.scandir(directory)):
        with contextlib.suppress(OSError):
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
    marker = os.path.join(directory, MARKER)
    with open(marker, "a"):
        os.utime(marker)
    return directory


@web.stream_request_body
class UploadsHandler(APIHandler):
    # Writing files on the server is what the contents API's "write" permission allows.
    auth_resource = "contents"

    _file: Any = None
    _path: str | None = None
    _received = 0

    async def prepare(self) -> None:  # type: ignore[override]
        # Authentication and the XSRF check happen here, before any byte of the body is
        # read: an unauthorized request never reaches the disk.
        await super().prepare()
        if self.request.method != "PUT":
            return
        user = self.current_user
        if user is None or not self.authorizer.is_authorized(self, user, "write", "contents"):
            raise web.HTTPError(403)
        file_id = self.path_args[0] if self.path_args else ""
        if not FILE_ID.fullmatch(file_id):
            raise web.HTTPError(404)
        length = self.request.headers.get("Content-Length")
        if length is None or not length.isdigit() or int(length) > MAX_BYTES:
            raise web.HTTPError(413, f"give a Content-Length of at most {MAX_BYTES} bytes")
        self.request.connection.set_max_body_size(int(length))  # type: ignore[union-attr]
        self._path = os.path.join(_prepare_dir(), file_id)
        if os.path.lexists(self._path) or os.path.lexists(self._path + GONE):
            raise web.HTTPError(409, "that upload id is taken")
        # Written under a temporary name: a kernel only ever sees a whole file.
        try:
            fd = os.open(
                self._path + ".part", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600
            )
        except FileExistsError:
            raise web.HTTPError(409, "that upload id is taken") from None
        self._file = os.fdopen(fd, "wb")

    def data_received(self, chunk: bytes) -> None:
        if self._file is not None:
            self._file.write(chunk)
            self._received += len(chunk)

    def on_finish(self) -> None:
        self._drop_partial()

    def on_connection_close(self) -> None:
        self._drop_partial()
        super().on_connection_close()

    def _drop_partial(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            if self._path is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._path + ".part")

    @web.authenticated
    def get(self, file_id: str = "") -> None:
        _prepare_dir()
        self.finish(json.dumps({"marker": MARKER, "max_bytes": MAX_BYTES}))

    @web.authenticated
    def put(self, file_id: str = "") -> None:
        assert self._file is not None and self._path is not None
        self._file.close()
        self._file = None
        try:
            os.replace(self._path + ".part", self._path)
        except FileNotFoundError:  # dropped (DELETE) while it arrived
            raise web.HTTPError(410, "the upload was dropped") from None
        self.finish(json.dumps({"size": self._received}))

    @web.authenticated
    def delete(self, file_id: str = "") -> None:
        if not self.authorizer.is_authorized(self, self.current_user, "write", "contents"):
            raise web.HTTPError(403)
        if not FILE_ID.fullmatch(file_id):
            raise web.HTTPError(404)
        path = os.path.join(_prepare_dir(), file_id)
        # The view drops an upload as soon as it knows no kernel will adopt it, which may
        # be before or while its PUT arrives: a tombstone refuses the PUT still to come,
        # and a file still arriving is unlinked so that its PUT fails.
        with open(path + GONE, "a"):
            pass
        for name in (path, path + ".part"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
        self.set_status(204)
        self.finish()


def setup_handlers(server_app: Any) -> None:
    web_app = server_app.web_app
    base = url_path_join(web_app.settings["base_url"], "chatkit-widget", "uploads")
    web_app.add_handlers(
        ".*$", [(base, UploadsHandler), (url_path_join(base, "([0-9a-f]{32})"), UploadsHandler)]
    )
