"""The upload endpoint: ``POST {base_url}chatkit-widget/uploads`` (the file as the raw
body) → ``{"id": ..., "size": ...}``; ``DELETE .../uploads/<id>`` drops an upload no
kernel adopted; ``GET .../uploads`` tells a view the endpoint exists."""

from __future__ import annotations

import json
import os
import secrets
import time
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from . import FILE_ID, uploads_dir

# Bodies past this are refused while they stream (the chat's own max_size, checked by
# the kernel when it adopts the file, is usually far lower).
MAX_BYTES = 1 << 30
# Uploads no kernel adopted (a kernel elsewhere, a closed page) are swept after this.
STALE_SECONDS = 3600


def _sweep(directory: str) -> None:
    cutoff = time.time() - STALE_SECONDS
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return
    for entry in entries:
        try:
            if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
        except OSError:
            pass


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
        if self.request.method != "POST":
            return
        user = self.current_user
        if user is None or not self.authorizer.is_authorized(self, user, "write", "contents"):
            raise web.HTTPError(403)
        length = self.request.headers.get("Content-Length")
        if length is None or not length.isdigit() or int(length) > MAX_BYTES:
            raise web.HTTPError(413, f"give a Content-Length of at most {MAX_BYTES} bytes")
        self.request.connection.set_max_body_size(int(length))  # type: ignore[union-attr]
        directory = uploads_dir()
        os.makedirs(directory, mode=0o700, exist_ok=True)
        _sweep(directory)
        self.file_id = secrets.token_hex(16)
        self._path = os.path.join(directory, self.file_id)
        # Written under a temporary name: the kernel only ever sees a whole file.
        fd = os.open(
            self._path + ".part", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600
        )
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
                try:
                    os.unlink(self._path + ".part")
                except FileNotFoundError:
                    pass

    @web.authenticated
    def get(self) -> None:
        self.finish(json.dumps({"max_bytes": MAX_BYTES}))

    @web.authenticated
    def post(self) -> None:
        assert self._file is not None and self._path is not None
        self._file.close()
        self._file = None
        os.replace(self._path + ".part", self._path)
        self.finish(json.dumps({"id": self.file_id, "size": self._received}))

    @web.authenticated
    def delete(self, file_id: str = "") -> None:
        if not self.authorizer.is_authorized(self, self.current_user, "write", "contents"):
            raise web.HTTPError(403)
        if not FILE_ID.fullmatch(file_id):
            raise web.HTTPError(404)
        try:
            os.unlink(os.path.join(uploads_dir(), file_id))
        except FileNotFoundError:
            pass
        self.set_status(204)
        self.finish()


def setup_handlers(server_app: Any) -> None:
    web_app = server_app.web_app
    base = url_path_join(web_app.settings["base_url"], "chatkit-widget", "uploads")
    web_app.add_handlers(
        ".*$", [(base, UploadsHandler), (url_path_join(base, "([0-9a-f]{32})"), UploadsHandler)]
    )
