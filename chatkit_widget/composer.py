"""The kernel side of the composer: what a message may carry (attachments, tags, tool and
model choice, a quote), checked against the widget's options, plus the view's requests
for it (uploads, tag search, entity previews, dictation).

Everything is checked before anything is created, so a bad message is never half-sent.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import json
import logging
import os
import stat
from collections.abc import Callable, Mapping
from typing import Any

from chatkit.types import (
    Attachment,
    AttachmentCreateParams,
    AttachmentDeleteParams,
    AttachmentsCreateReq,
    AttachmentsDeleteReq,
    InferenceOptions,
    InputTranscribeParams,
    InputTranscribeReq,
    ToolChoice,
    UserMessageContent,
    UserMessageTagContent,
    UserMessageTextContent,
)
from pydantic import TypeAdapter

from chatkit_widget_uploads import FILE_ID, MARKER, uploads_dir

from .attachments import (
    AttachmentLimits,
    LocalAttachmentStore,
    Upload,
    as_uploads,
    guess_type,
    http_upload,
    read_exactly,
)
from .client import ChatKitClient
from .limits import clip
from .variables import describe, kind_of, search_variables, user_namespace

logger = logging.getLogger("chatkit_widget")

_attachment_adapter: TypeAdapter[Attachment] = TypeAdapter(Attachment)
_content_adapter: TypeAdapter[list[UserMessageContent]] = TypeAdapter(list[UserMessageContent])

Handler = Callable[..., Any]


async def _call(handler: Handler, *args: Any) -> Any:
    result = handler(*args)
    return await result if inspect.isawaitable(result) else result


class ComposerBackend:
    """One per widget. ``options()`` returns the widget's current composer options."""

    def __init__(self, client: ChatKitClient, options: Callable[[], Mapping[str, Any]]) -> None:
        self.client = client
        self.options = options
        self.tag_search: Handler | None = None
        self.entity_click: Handler | None = None
        self.entity_preview: Handler | None = None
        self.namespace: Mapping[str, Any] | None = None  # None: IPython's user namespace
        # Bytes of uploads bound for a non-local AttachmentStore's upload URL.
        self._http_pending: dict[str, bytearray] = {}
        self._http_received: dict[str, int] = {}
        self._created: dict[str, Attachment] = {}
        # Pipelined view uploads: the view's upload id → the attachment being created.
        self._uploads: dict[str, asyncio.Future[Attachment]] = {}
        # Files the view is PUTting to the Jupyter server, by id: set when its PUT failed.
        self._waiting: dict[str, asyncio.Event] = {}

    # -- options --------------------------------------------------------------------------

    @property
    def limits(self) -> AttachmentLimits:
        return AttachmentLimits.from_option(self.options().get("attachments"))

    def _store(self) -> Any:
        store = self.client.server.attachment_store
        if store is None:
            raise ValueError(
                "this chat's server does not support attachments: give the ChatKitServer an "
                "AttachmentStore (e.g. chatkit_widget.LocalAttachmentStore())"
            )
        return store

    def inference_options(self, tool_choice: str | None, model: str | None) -> InferenceOptions:
        tools = self.options().get("tools") or []
        if tool_choice is not None and tools and tool_choice not in [t.get("id") for t in tools]:
            raise ValueError(
                f"unknown tool {tool_choice!r}: the composer's tools are "
                f"{[t.get('id') for t in tools]}"
            )
        models = self.options().get("models") or []
        if model is not None and models:
            known = {m.get("id"): m for m in models}
            if model not in known:
                raise ValueError(f"unknown model {model!r}: the composer offers {list(known)}")
            if known[model].get("disabled"):
                raise ValueError(f"the model {model!r} is disabled")
        if model is None and models:
            model = next((m.get("id") for m in models if m.get("default")), None)
        return InferenceOptions(
            tool_choice=ToolChoice(id=tool_choice) if tool_choice else None, model=model
        )

    # -- message content ------------------------------------------------------------------

    def content(self, text: str, tags: list[Any] | None) -> list[UserMessageContent]:
        """Text with tags: a tag whose ``@title`` occurs in the text takes its place,
        others follow the text."""
        parts: list[UserMessageContent] = [UserMessageTextContent(text=text)] if text else []
        for tag in [self.tag(t) for t in tags or []]:
            placed = False
            for index, part in enumerate(parts):
                if isinstance(part, UserMessageTextContent) and f"@{tag.text}" in part.text:
                    before, after = part.text.split(f"@{tag.text}", 1)
                    pieces: list[UserMessageContent] = []
                    if before:
                        pieces.append(UserMessageTextContent(text=before))
                    pieces.append(tag)
                    if after:
                        pieces.append(UserMessageTextContent(text=after))
                    parts[index : index + 1] = pieces
                    placed = True
                    break
            if not placed:
                if parts and isinstance(parts[-1], UserMessageTextContent):
                    if not parts[-1].text.endswith(" "):
                        parts.append(UserMessageTextContent(text=" "))
                parts.append(tag)
        return self.with_variables(parts)

    def tag(self, value: Any) -> UserMessageTagContent:
        """A tag from an entity dict (``id``, ``title``…), a tag content, or a variable name."""
        if isinstance(value, UserMessageTagContent):
            return value
        if isinstance(value, str):
            namespace = self._namespace()
            if value not in namespace:
                raise ValueError(f"no notebook variable named {value!r} to tag")
            return UserMessageTagContent(
                id=f"var:{value}",
                text=value,
                data={"kind": "variable", "name": value},
                group="Notebook variables",
                interactive=True,
            )
        if isinstance(value, Mapping) and "id" in value:
            data = value.get("data") or {}
            return UserMessageTagContent(
                id=str(value["id"]),
                text=str(value.get("title") or value.get("text") or value["id"]),
                data=dict(data) if isinstance(data, Mapping) else {},
                group=value.get("group"),
                interactive=bool(value.get("interactive", False)),
            )
        raise ValueError(f"a tag is an entity dict with an 'id', or a variable name; got {value!r}")

    def parse_content(self, raw: list[dict[str, Any]]) -> list[UserMessageContent]:
        """Content from a view (untrusted): validated, variable tags described here.

        A view may only tag what the @ menu offers: variables of the offered kinds, and
        only with ``tag_search="variables"``; the model never reads any other variable
        because a view named it."""
        return self.with_variables(_content_adapter.validate_python(raw), from_view=True)

    def with_variables(
        self, parts: list[UserMessageContent], from_view: bool = False
    ) -> list[UserMessageContent]:
        """Variable tags get the description the model will read, taken now."""
        namespace: Mapping[str, Any] | None = None
        result: list[UserMessageContent] = []
        for part in parts:
            if isinstance(part, UserMessageTagContent) and part.data.get("kind") == "variable":
                namespace = namespace if namespace is not None else self._namespace()
                name = str(part.data.get("name") or part.text)
                if name not in namespace:
                    raise ValueError(f"the notebook variable {clip(name)} no longer exists")
                if from_view and (
                    self.options().get("tag_search") != "variables"
                    or name.startswith("_")
                    or kind_of(namespace[name]) is None
                ):
                    raise ValueError(f"the notebook variable {clip(name)} cannot be tagged")
                part = part.model_copy(
                    update={"data": {**part.data, "description": describe(name, namespace[name])}}
                )
            result.append(part)
        return result

    def _namespace(self) -> Mapping[str, Any]:
        return self.namespace if self.namespace is not None else user_namespace()

    # -- attachments ----------------------------------------------------------------------

    def prepare_uploads(self, sources: Any) -> list[Upload]:
        """Check what ``send(attachments=...)`` got; raises ``ValueError``, sends nothing."""
        uploads = as_uploads(sources)
        if uploads:
            self._store()
            self.limits.check(uploads)
        return uploads

    async def upload(self, uploads: list[Upload]) -> list[str]:
        """Create and fill each attachment; on any failure, delete those made so far."""
        done: list[str] = []
        try:
            for upload in uploads:
                attachment = await self.create(upload.name, upload.size, upload.mime_type)
                done.append(attachment.id)
                offset = 0
                for chunk in upload.chunks():
                    offset = await self.write(attachment.id, offset, chunk)
                await self.finish(attachment.id)
        except BaseException:
            for attachment_id in done:
                await self.delete(attachment_id)
            raise
        return done

    async def create(self, name: str, size: int, mime_type: str) -> Attachment:
        store = self._store()
        mime_type = mime_type or guess_type(name)
        self.limits.check([Upload(name, mime_type, size)])
        attachment = _attachment_adapter.validate_python(
            await self.client.request(
                AttachmentsCreateReq(
                    params=AttachmentCreateParams(name=name, size=size, mime_type=mime_type)
                )
            )
        )
        self._created[attachment.id] = attachment
        if not isinstance(store, LocalAttachmentStore):
            if attachment.upload_descriptor is None:
                await self.delete(attachment.id)
                raise ValueError(
                    f"{type(store).__name__}.create_attachment gave no upload_descriptor: the "
                    "kernel has nowhere to send the bytes (use LocalAttachmentStore, or "
                    "return an upload URL)"
                )
            self._http_pending[attachment.id] = bytearray(size)
            self._http_received[attachment.id] = 0
        return attachment

    async def upload_target(
        self, upload_id: str, offset: int, params: Mapping[str, Any]
    ) -> Attachment:
        """The attachment a pipelined view upload writes to; the first chunk creates it."""
        if offset == 0:
            if upload_id in self._uploads:
                raise ValueError(f"upload {upload_id!r} started twice")
            future: asyncio.Future[Attachment] = asyncio.get_running_loop().create_future()
            self._uploads[upload_id] = future
            try:
                attachment = await self.create(
                    str(params["name"]), int(params["size"]), str(params.get("mime_type") or "")
                )
            except BaseException as exc:
                # Chunks already waiting fail with the same message; later ones find no
                # upload. Nothing is kept.
                future.set_exception(ValueError(str(exc)))
                future.exception()  # marks it retrieved
                self.forget_upload(upload_id)
                raise
            future.set_result(attachment)
            return attachment
        found = self._uploads.get(upload_id)
        if found is None:
            raise ValueError(f"upload {upload_id!r} is unknown or already ended")
        return await found

    def forget_upload(self, upload_id: Any) -> None:
        if isinstance(upload_id, str):
            self._uploads.pop(upload_id, None)

    def received_all(self, attachment_id: str) -> bool:
        store = self._store()
        if isinstance(store, LocalAttachmentStore):
            return store.complete(attachment_id)
        pending = self._http_pending.get(attachment_id)
        return pending is not None and self._http_received.get(attachment_id) == len(pending)

    async def write(self, attachment_id: str, offset: int, data: bytes | memoryview) -> int:
        store = self._store()
        if isinstance(store, LocalAttachmentStore):
            return store.write(attachment_id, offset, data)
        pending = self._http_pending.get(attachment_id)
        if pending is None:
            raise ValueError(f"attachment {attachment_id!r} is not being uploaded")
        if offset < 0 or offset + len(data) > len(pending):
            raise ValueError(f"more bytes than the {len(pending)} announced")
        pending[offset : offset + len(data)] = data
        self._http_received[attachment_id] += len(data)
        return self._http_received[attachment_id]

    async def upload_file(
        self, file_id: str, marker: str, name: str, size: int, mime_type: str
    ) -> tuple[Attachment | None, bool]:
        """The view PUTs a file to the Jupyter server (``chatkit_widget_uploads``) as
        ``file_id`` and, at the same time, asks for this: create the attachment, wait for
        the file to be whole, adopt it. Returns ``(None, False)`` when this kernel does not
        see the server's ``marker`` file (it runs elsewhere: the view sends comm buffers);
        ``(attachment, False)`` when the file did not come within ``ADOPT_WAIT_SECONDS``
        (the view asks again with ``adopt`` once its request has ended)."""
        if not FILE_ID.fullmatch(file_id):
            raise ValueError(f"not an upload id: {clip(repr(file_id))}")
        if not MARKER.fullmatch(marker):
            raise ValueError(f"not a server marker: {clip(repr(marker))}")
        directory = uploads_dir()
        if not os.path.isfile(os.path.join(directory, marker)):
            return None, False
        # Registered before the first await: an abandon that follows finds it.
        abandoned = self._waiting[file_id] = asyncio.Event()
        try:
            attachment = await self.create(name, size, mime_type)
            path = os.path.join(directory, file_id)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + ADOPT_WAIT_SECONDS
            delay = 0.001
            # Polled: the server tells no one when a file is whole (it renames it then).
            # Every few ms at most: a stat costs microseconds, a late look costs the user.
            while not os.path.lexists(path):
                if loop.time() > deadline:
                    return attachment, False
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(abandoned.wait(), delay)
                if abandoned.is_set():
                    await self.delete(attachment.id)
                    raise ValueError("the upload to the Jupyter server failed")
                delay = min(delay * 1.5, POLL_SECONDS)
        finally:
            self._waiting.pop(file_id, None)
        if not await self.adopt(attachment.id, file_id):
            await self.delete(attachment.id)
            raise ValueError("the uploaded file vanished before it was read")
        return attachment, True

    def abandon(self, file_id: str) -> None:
        """The view's PUT failed: stop waiting for ``file_id`` (the attachment goes)."""
        event = self._waiting.get(file_id)
        if event is not None:
            event.set()

    async def adopt(self, attachment_id: str, file_id: str) -> bool:
        """Fill ``attachment_id`` (made by ``create``, no bytes yet) with a whole file the
        Jupyter server wrote for the view (``chatkit_widget_uploads``). ``False`` when this
        kernel cannot see the file (it runs elsewhere): the view then sends the bytes over
        the comm into the same attachment. The file is gone afterwards either way; on any
        other failure the attachment is too (nothing half-uploaded stays)."""
        path = os.path.join(uploads_dir(), file_id) if FILE_ID.fullmatch(file_id) else None
        try:
            size = self._announced(attachment_id)  # before this, nothing to delete
            try:
                if path is None:
                    raise ValueError(f"not an upload id: {clip(repr(file_id))}")
                try:
                    # O_NOFOLLOW: the name must be the server's file, not a link to another.
                    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
                except FileNotFoundError:
                    return False
                except OSError as exc:  # a link (ELOOP), a folder, no permission
                    raise ValueError(f"cannot open the uploaded file: {exc.strerror}") from exc
                with os.fdopen(fd, "rb") as file:
                    found = os.fstat(file.fileno())
                    if not stat.S_ISREG(found.st_mode) or found.st_size != size:
                        raise ValueError(
                            f"the uploaded file has {found.st_size} bytes, not the {size} announced"
                        )
                    store = self._store()
                    if isinstance(store, LocalAttachmentStore):
                        store.adopt(attachment_id, file, path)
                    else:
                        read_exactly(file, memoryview(self._http_pending[attachment_id]))
                        self._http_received[attachment_id] = size
                await self.finish(attachment_id)
                return True
            except BaseException:
                await self.delete(attachment_id)
                raise
        finally:
            if path is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)

    def _announced(self, attachment_id: str) -> int:
        """The size ``attachment_id`` was created with, while no byte has arrived."""
        store = self._store()
        if isinstance(store, LocalAttachmentStore):
            size = store.awaiting(attachment_id)
        else:
            pending = self._http_pending.get(attachment_id)
            fresh = pending is not None and not self._http_received.get(attachment_id)
            size = len(pending) if pending is not None and fresh else None
        if size is None:
            raise ValueError(f"attachment {clip(repr(attachment_id))} is not waiting for its bytes")
        return size

    async def finish(self, attachment_id: str) -> None:
        """All bytes are in: check them, or send them to the store's upload URL."""
        store = self._store()
        if isinstance(store, LocalAttachmentStore):
            if not store.complete(attachment_id):
                raise ValueError(f"attachment {attachment_id!r} is incomplete")
            return
        data = self._http_pending.pop(attachment_id, None)
        received = self._http_received.pop(attachment_id, 0)
        attachment = self._created.get(attachment_id)
        if data is None or attachment is None:
            raise ValueError(f"attachment {attachment_id!r} is not being uploaded")
        if received != len(data):
            raise ValueError(f"attachment {attachment_id!r} is incomplete")
        try:
            await asyncio.to_thread(http_upload, attachment, data)
        except Exception as exc:
            raise ValueError(f"could not upload {attachment.name}: {exc}") from exc

    async def delete(self, attachment_id: str) -> None:
        self._http_pending.pop(attachment_id, None)
        self._http_received.pop(attachment_id, None)
        self._created.pop(attachment_id, None)
        try:
            await self.client.request(
                AttachmentsDeleteReq(params=AttachmentDeleteParams(attachment_id=attachment_id))
            )
        except Exception as exc:
            logger.warning("could not delete attachment %r: %s", attachment_id, exc)

    def check_attachments(self, ids: list[str]) -> None:
        """Before sending: every attachment is complete and within the count."""
        if not ids:
            return
        store = self._store()
        limits = self.limits
        if len(ids) > limits.max_count:
            raise ValueError(
                f"too many attachments: {len(ids)} (at most {limits.max_count} per message)"
            )
        for attachment_id in ids:
            if isinstance(store, LocalAttachmentStore):
                finished = store.complete(attachment_id)
            else:  # its bytes still wait here for the upload URL
                finished = attachment_id not in self._http_pending
            if not finished:
                raise ValueError(f"attachment {attachment_id!r} has not finished uploading")

    def sent(self, ids: list[str]) -> None:
        for attachment_id in ids:
            self._created.pop(attachment_id, None)

    # -- entities -------------------------------------------------------------------------

    async def search(self, query: str) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        if self.tag_search is not None:
            for entity in await _call(self.tag_search, query) or []:
                results.append(_entity_json(entity))
        if self.options().get("tag_search") == "variables":
            results.extend(search_variables(query, self._namespace()))
        return results[:50]

    async def preview(self, entity: dict[str, Any]) -> Any:
        if self.entity_preview is None:
            return None
        widget = await _call(self.entity_preview, entity)
        if widget is None:
            return None
        dump = getattr(widget, "model_dump", None)
        return dump(mode="json", exclude_none=True) if dump else widget

    async def click(self, entity: dict[str, Any]) -> None:
        if self.entity_click is not None:
            await _call(self.entity_click, entity)

    # -- dictation ------------------------------------------------------------------------

    async def transcribe(self, audio: bytes, mime_type: str) -> str:
        # ChatKit's request carries base64; the bytes came here as a binary buffer.
        result = await self.client.request(
            InputTranscribeReq(
                params=InputTranscribeParams(
                    audio_base64=base64.b64encode(audio).decode(), mime_type=mime_type
                )
            )
        )
        return str(result.get("text", ""))


def _entity_json(entity: Any) -> dict[str, Any]:
    if hasattr(entity, "model_dump"):
        entity = entity.model_dump(mode="json", exclude_none=True)
    if not isinstance(entity, Mapping) or "id" not in entity:
        raise ValueError(f"on_tag_search must return entities with an 'id', got {entity!r}")
    out = {k: entity[k] for k in ("id", "title", "icon", "group", "interactive") if k in entity}
    out["id"] = str(out["id"])
    out.setdefault("title", out["id"])
    data = entity.get("data")
    out["data"] = json.loads(json.dumps(data, default=str)) if isinstance(data, Mapping) else {}
    return out


# How long ``upload_file`` waits for the server's file before it answers (the view's
# requests time out after 30 s); a slower upload is adopted by a second request.
ADOPT_WAIT_SECONDS = 20.0
POLL_SECONDS = 0.004

# Dictation audio per request (OpenAI's transcription limit); uploads are bounded by the
# size announced at creation, which the attachments option bounds.
MAX_AUDIO_BYTES = 25 * 1024 * 1024

COMPOSER_METHODS = frozenset(
    {
        "attachment_create",
        "upload_chunk",
        "upload_file",
        "upload_abandon",
        "attachment_delete",
        "attachment_bytes",
        "tag_search",
        "entity_preview",
        "transcribe",
    }
)


async def answer_composer(
    composer: ComposerBackend,
    server: Any,
    context: Any,
    method: str,
    params: Mapping[str, Any],
    buffers: list[Any],
) -> tuple[Any, list[Any] | None]:
    """A view's composer request → (JSON result, binary buffers of the reply)."""
    match method:
        case "attachment_create":
            attachment = await composer.create(
                str(params["name"]), int(params["size"]), str(params.get("mime_type") or "")
            )
            return attachment.model_dump(mode="json", exclude_none=True), None
        case "upload_chunk":
            data = buffers[0] if buffers else b""
            offset = int(params["offset"])
            created: Attachment | None = None
            if "upload_id" in params:
                # Pipelined: the first chunk carries the metadata, and the view sends every
                # chunk without waiting for attachments.create's answer (one round trip
                # less). Later chunks wait here for that creation.
                created = await composer.upload_target(str(params["upload_id"]), offset, params)
                attachment_id = created.id
            else:
                attachment_id = str(params["attachment_id"])
            try:
                received = await composer.write(attachment_id, offset, data)
                # Chunks may be handled out of order: the upload ends with its last byte.
                if composer.received_all(attachment_id):
                    await composer.finish(attachment_id)
                    composer.forget_upload(params.get("upload_id"))
            except BaseException:
                composer.forget_upload(params.get("upload_id"))
                await composer.delete(attachment_id)  # nothing half-uploaded stays
                raise
            result: dict[str, Any] = {"received": received}
            if created is not None:
                result["attachment"] = created.model_dump(mode="json", exclude_none=True)
            return result, None
        case "upload_file" if "attachment_id" in params:
            found = await composer.adopt(str(params["attachment_id"]), str(params["file_id"]))
            return {"found": found, "adopted": found}, None
        case "upload_file":
            made, adopted = await composer.upload_file(
                str(params["file_id"]),
                str(params["marker"]),
                str(params["name"]),
                int(params["size"]),
                str(params.get("mime_type") or ""),
            )
            if made is None:
                return {"found": False, "adopted": False}, None
            return {
                "found": True,
                "adopted": adopted,
                "attachment": made.model_dump(mode="json", exclude_none=True),
            }, None
        case "upload_abandon":
            composer.abandon(str(params["file_id"]))
            return None, None
        case "attachment_delete":
            await composer.delete(str(params["attachment_id"]))
            return None, None
        case "attachment_bytes":
            attachment_id = str(params["attachment_id"])
            attachment = await server.store.load_attachment(attachment_id, context)
            store = server.attachment_store
            if not isinstance(store, LocalAttachmentStore):
                raise ValueError("only a LocalAttachmentStore can give an attachment's bytes back")
            data = store.read(attachment_id)
            return {"mime_type": attachment.mime_type, "name": attachment.name}, [data]
        case "tag_search":
            return {"entities": await composer.search(str(params.get("query", "")))}, None
        case "entity_preview":
            return {"widget": await composer.preview(dict(params.get("entity") or {}))}, None
        case "transcribe":
            if not buffers:
                raise ValueError("transcribe needs the audio as a binary buffer")
            if len(buffers[0]) > MAX_AUDIO_BYTES:
                raise ValueError(f"the recording is too long (over {MAX_AUDIO_BYTES:,} bytes)")
            text = await composer.transcribe(bytes(buffers[0]), str(params.get("mime_type", "")))
            return {"text": text}, None
    raise ValueError(f"unknown composer method {method!r}")
