// Attachments in the view: the same checks as the kernel (so the user hears at once),
// uploads as binary comm buffers in chunks, and image previews fetched from the kernel.

import type { Attachment } from "../chatkit";
import { perfHook } from "../perf";
import type { RequestMethods } from "../protocol";
import type { Store } from "../store";
import { discard, markRemote, newFileId, putFile, uploadEndpoint } from "./httpUpload";
import type { AttachmentOptions } from "./options";

/** Bytes per upload message: far under the websocket's message limit. */
export const CHUNK_BYTES = 1 << 20;
/** Chunks in flight at once: enough to keep the pipe full, bounded memory. */
const WINDOW = 16;
/** Image previews point back at the kernel's store (see attachments.py). */
export const PREVIEW_PREFIX = "chatkit-widget://attachments/";

export interface FileLike {
  name: string;
  size: number;
  type: string;
}

export function accepts(file: FileLike, accept: Record<string, string[]> | null): boolean {
  if (!accept) return true;
  const dot = file.name.lastIndexOf(".");
  const ext = dot >= 0 ? file.name.slice(dot).toLowerCase() : "";
  for (const [pattern, exts] of Object.entries(accept)) {
    if (pattern === file.type) return true;
    if (pattern.endsWith("/*") && file.type.startsWith(pattern.slice(0, -1))) return true;
    if (ext && (pattern.toLowerCase() === ext || exts.some((e) => e.toLowerCase() === ext))) return true;
  }
  return false;
}

/** The `accept` attribute of the file chooser. */
export function acceptAttribute(accept: Record<string, string[]> | null): string | undefined {
  if (!accept) return undefined;
  return Object.entries(accept)
    .flatMap(([type, exts]) => [type, ...exts])
    .join(",");
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** What is wrong with adding `files` to `already` attachments, or null. Same words as the kernel. */
export function checkFiles(files: FileLike[], already: number, options: AttachmentOptions): string | null {
  if (already + files.length > options.max_count) {
    return `Too many attachments: at most ${options.max_count} per message.`;
  }
  for (const file of files) {
    if (file.size > options.max_size) {
      return `${file.name} is too large: ${humanSize(file.size)} (at most ${humanSize(options.max_size)}).`;
    }
    if (!accepts(file, options.accept)) {
      return `${file.name} (${file.type || "unknown type"}) is not an accepted type (accepted: ${Object.keys(options.accept ?? {}).join(", ")}).`;
    }
  }
  return null;
}

/**
 * Send a file to the kernel: over HTTP when the Jupyter server offers its upload endpoint
 * (httpUpload.ts), else as comm buffers. `onProgress` gets 0..1.
 */
export async function uploadFile(store: Store, file: File, onProgress: (fraction: number) => void): Promise<Attachment> {
  const target = await uploadEndpoint(store);
  if (!target) return uploadChunks(store, file, onProgress);
  const started = performance.now();
  const fileId = newFileId();
  // At once: the kernel makes the attachment and waits for the file while the server
  // takes the bytes, so its answer follows the last byte by one message, not a round
  // trip. The small request goes first: behind the file it would wait its turn.
  const asked = store.request("upload_file", {
    file_id: fileId,
    marker: target.marker,
    name: file.name,
    size: file.size,
    mime_type: file.type || "",
  });
  const putting = putFile(target, fileId, file, (fraction) => onProgress(fraction * 0.95));
  let stopped = false;
  let putFailed = false;
  let putEnded = started;
  const put = putting.done.then(
    () => {
      putEnded = performance.now();
      return true;
    },
    () => {
      if (stopped) return false;
      putFailed = true;
      void store.request("upload_abandon", { file_id: fileId }).catch(() => undefined);
      return false;
    },
  );
  const stop = () => {
    stopped = true;
    putting.abort();
    discard(target, fileId);
  };
  let reply: RequestMethods["upload_file"]["result"];
  try {
    reply = await asked;
  } catch (error) {
    if (putFailed) return uploadChunks(store, file, onProgress); // the kernel stopped waiting
    stop(); // refused (too large, a type outside accept): the bytes need not go on
    throw error;
  }
  if (!reply.found || !reply.attachment) {
    stop();
    markRemote(store);
    return uploadChunks(store, file, onProgress);
  }
  const attachment = reply.attachment;
  if (!reply.adopted && (await put)) {
    reply = await store.request("upload_file", { attachment_id: attachment.id, file_id: fileId });
  }
  if (reply.adopted) {
    onProgress(1);
    recordStages(putEnded - started, performance.now() - putEnded);
    return attachment;
  }
  // The PUT failed after the kernel stopped waiting: the same attachment gets comm buffers.
  await sendChunks(store, file, (offset, final) => ({ attachment_id: attachment.id, offset, final }), onProgress);
  return attachment;
}

/** bench_attachments.py reports the two stages of an HTTP upload. */
function recordStages(put: number, after: number): void {
  const hook = perfHook() as { uploadStages?: { put: number; after: number } } | undefined;
  if (hook) hook.uploadStages = { put, after };
}

/**
 * Send a file as comm buffers, every chunk at once (a window of them in flight): the
 * first carries the metadata and the kernel creates the attachment from it, so no chunk
 * waits for `attachments.create`'s answer.
 */
export async function uploadChunks(store: Store, file: File, onProgress: (fraction: number) => void): Promise<Attachment> {
  const upload_id = `u${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
  const meta = { name: file.name, size: file.size, mime_type: file.type || "" };
  const attachment = await sendChunks(
    store,
    file,
    (offset, final) => ({ upload_id, offset, final, ...(offset === 0 ? meta : {}) }),
    onProgress,
  );
  if (!attachment) throw new Error("the kernel did not say which attachment it made");
  return attachment;
}

type ChunkParams = RequestMethods["upload_chunk"]["params"];

/** The chunks of `file` as `upload_chunk` requests; the attachment a reply named, if any. */
async function sendChunks(
  store: Store,
  file: File,
  params: (offset: number, final: boolean) => ChunkParams,
  onProgress: (fraction: number) => void,
): Promise<Attachment | undefined> {
  const inFlight: Promise<unknown>[] = [];
  let attachment: Attachment | undefined;
  let offset = 0;
  do {
    const end = Math.min(offset + CHUNK_BYTES, file.size);
    const bytes = await file.slice(offset, end).arrayBuffer();
    const sent = store.request("upload_chunk", params(offset, end >= file.size), [bytes]).then((reply) => {
      if (reply.attachment) attachment = reply.attachment;
      onProgress(file.size ? reply.received / file.size : 1);
    });
    inFlight.push(sent);
    // A failed chunk fails the upload (the kernel has already dropped the attachment).
    if (inFlight.length >= WINDOW) await inFlight.shift();
    offset = end;
  } while (offset < file.size);
  await Promise.all(inFlight);
  return attachment;
}

// -- previews ---------------------------------------------------------------------------------

const blobUrls = new WeakMap<Store, Map<string, Promise<string | null>>>();

/** A URL the page may load for an attachment's bytes (kernel-stored ones as blob: URLs). */
export function attachmentUrl(store: Store, attachment: Attachment): Promise<string | null> {
  const preview = attachment.preview_url ?? "";
  if (preview && !preview.startsWith(PREVIEW_PREFIX)) {
    return Promise.resolve(safePreview(preview));
  }
  // A saved notebook without a kernel: nothing would answer (the chip shows instead).
  if (store.offline()) return Promise.resolve(null);
  let cache = blobUrls.get(store);
  if (!cache) blobUrls.set(store, (cache = new Map()));
  let found = cache.get(attachment.id);
  if (!found) {
    found = store
      .requestBinary("attachment_bytes", { attachment_id: attachment.id })
      .then(({ result, buffers }) => {
        const data = toBlobPart(buffers[0]);
        if (!data) return null;
        return URL.createObjectURL(new Blob([data], { type: result.mime_type || attachment.mime_type }));
      })
      .catch(() => {
        cache?.delete(attachment.id); // a later view may have a kernel again
        return null;
      });
    cache.set(attachment.id, found);
  }
  return found;
}

function toBlobPart(buffer: unknown): BlobPart | null {
  if (buffer instanceof ArrayBuffer) return buffer;
  if (ArrayBuffer.isView(buffer)) return buffer as unknown as BlobPart;
  return null;
}

/** Only http(s) and image data URLs are shown; anything else is not loaded. */
export function safePreview(url: string): string | null {
  if (/^data:image\/(png|jpe?g|gif|webp);base64,/i.test(url)) return url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}
