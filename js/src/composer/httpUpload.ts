// The fast path for attachment bytes: one plain HTTP request to the Jupyter server's
// upload endpoint (the `chatkit_widget_uploads` server extension), while a small comm
// request has the kernel adopt the file the server writes (uploads.ts runs both).
//
// Why: Chromium pushes websocket frames through its network process in small pieces, so
// 10 MB as comm buffers takes several times as long as the same bytes as one request body
// (a File body is handed to the network process whole). bench_attachments.py measures both.
// Where the endpoint is missing (Voilà, marimo, a server without the extension) or the
// kernel cannot see the server's files (a remote kernel), uploads use comm buffers.

import { perfOff } from "../perf";
import type { Store } from "../store";

export interface Endpoint {
  url: string;
  headers: Record<string, string>;
  /** The server's marker file: a kernel that sees it sees the server's uploads. */
  marker: string;
}

/** The endpoint of this page's server, looked up once per page; null when there is none. */
let endpoint: Promise<Endpoint | null> | undefined;
/** Kernels (by their store) that do not see the server's files: they run elsewhere. */
const remoteKernels = new WeakSet<Store>();

/** Lab and Notebook 7 put the server's base URL and token in the page. */
function pageConfig(): { baseUrl?: string; token?: string } | null {
  const script = document.getElementById("jupyter-config-data");
  if (!script?.textContent) return null;
  try {
    const config = JSON.parse(script.textContent) as unknown;
    return config && typeof config === "object" ? (config as { baseUrl?: string; token?: string }) : null;
  } catch {
    return null;
  }
}

function cookie(name: string): string | undefined {
  const match = document.cookie.match(new RegExp(`(?:^|;\\s*)${name}=([^;]*)`));
  return match?.[1] !== undefined ? decodeURIComponent(match[1]) : undefined;
}

/** The same credentials JupyterLab's own requests carry (token header, XSRF cookie). */
function lookUp(): Promise<Endpoint | null> {
  const config = pageConfig();
  if (!config || typeof config.baseUrl !== "string") return Promise.resolve(null);
  const base = config.baseUrl.endsWith("/") ? config.baseUrl : `${config.baseUrl}/`;
  const headers: Record<string, string> = {};
  if (config.token) headers.Authorization = `token ${config.token}`;
  const xsrf = cookie("_xsrf");
  if (xsrf) headers["X-XSRFToken"] = xsrf;
  const url = new URL(`${base}chatkit-widget/uploads`, window.location.href).href;
  return fetch(url, { headers, credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : null))
    .then((reply: { marker?: unknown } | null) => (typeof reply?.marker === "string" ? { url, headers, marker: reply.marker } : null))
    .catch(() => null);
}

/** The endpoint to upload to, or null: none on this page, or the kernel cannot see its files. */
export async function uploadEndpoint(store: Store): Promise<Endpoint | null> {
  if (remoteKernels.has(store) || perfOff("http-upload")) return null;
  endpoint ??= lookUp();
  return endpoint;
}

/** A random upload id: 32 hex digits, as the server and kernel expect. */
export function newFileId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export interface Putting {
  /** Resolves once the server holds the whole file; rejects when the request failed. */
  done: Promise<void>;
  abort(): void;
}

export function putFile(target: Endpoint, fileId: string, file: Blob, onProgress: (fraction: number) => void): Putting {
  // XMLHttpRequest rather than fetch: it reports upload progress, and it can be aborted.
  const xhr = new XMLHttpRequest();
  const done = new Promise<void>((resolve, reject) => {
    xhr.open("PUT", `${target.url}/${fileId}`);
    xhr.withCredentials = true;
    for (const [name, value] of Object.entries(target.headers)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      try {
        const reply = JSON.parse(xhr.responseText) as { size?: unknown };
        if (xhr.status === 200 && reply.size === file.size) {
          resolve();
          return;
        }
      } catch {
        // not the endpoint's answer
      }
      // A server that refuses once (a proxy, a policy) refuses again: use the comm. (409
      // and 410 answer this one id: taken, or dropped by the view itself.)
      if (xhr.status !== 409 && xhr.status !== 410) endpoint = Promise.resolve(null);
      reject(new Error(`the server did not take the file (HTTP ${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error("the upload request failed"));
    xhr.onabort = () => reject(new Error("the upload was stopped"));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

/** This kernel does not see the server's files: later uploads go over the comm. */
export function markRemote(store: Store): void {
  remoteKernels.add(store);
}

/** Drop a file on the server that no kernel will adopt. */
export function discard(target: Endpoint, fileId: string): void {
  void fetch(`${target.url}/${fileId}`, { method: "DELETE", headers: target.headers, credentials: "same-origin" }).catch(
    () => undefined,
  );
}
