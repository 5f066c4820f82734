// The fast path for attachment bytes: one plain HTTP request to the Jupyter server's
// upload endpoint (the `chatkit_widget_uploads` server extension), then a small comm
// request that lets the kernel adopt the file the server wrote.
//
// Why: Chromium pushes websocket frames through its network process in small pieces, so
// 10 MB as comm buffers takes ~10× as long as the same bytes as one request body (a
// File body is handed to the network process whole). bench_attachments.py measures both.
// Where the endpoint is missing (Voilà, marimo, a server without the extension) or the
// kernel cannot see the server's files (a remote kernel), uploads use comm buffers.

import type { Attachment } from "../chatkit";
import { perfOff } from "../perf";
import type { Store } from "../store";

interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

/** The endpoint of this page's server, looked up once per page; null when there is none. */
let endpoint: Promise<Endpoint | null> | undefined;
/** Kernels (by their store) that found no file the server wrote: they run elsewhere. */
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
    .then((response) => (response.ok ? { url, headers } : null))
    .catch(() => null);
}

function postFile(target: Endpoint, file: Blob, onProgress: (fraction: number) => void): Promise<{ id: string; size: number }> {
  return new Promise((resolve, reject) => {
    // XMLHttpRequest rather than fetch: it reports upload progress.
    const xhr = new XMLHttpRequest();
    xhr.open("POST", target.url);
    xhr.withCredentials = true;
    for (const [name, value] of Object.entries(target.headers)) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      try {
        const reply = JSON.parse(xhr.responseText) as { id?: unknown; size?: unknown };
        if (xhr.status === 200 && typeof reply.id === "string" && reply.size === file.size) {
          resolve({ id: reply.id, size: reply.size });
          return;
        }
      } catch {
        // fall through
      }
      reject(new Error(`the server did not take the file (HTTP ${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error("the upload request failed"));
    xhr.send(file);
  });
}

function discard(target: Endpoint, id: string): void {
  void fetch(`${target.url}/${id}`, { method: "DELETE", headers: target.headers, credentials: "same-origin" }).catch(
    () => undefined,
  );
}

/**
 * Upload `file` through the server's endpoint; null when this page or kernel cannot (the
 * caller then sends comm buffers). Errors from the kernel (too large, a refused type)
 * are thrown: the comm path would meet the same ones.
 */
export async function uploadOverHttp(
  store: Store,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<Attachment | null> {
  if (remoteKernels.has(store) || perfOff("http-upload")) return null;
  endpoint ??= lookUp();
  const target = await endpoint;
  if (!target) return null;
  let sent: { id: string; size: number };
  try {
    // The last step (the kernel adopting the file) is the remaining bit of progress.
    sent = await postFile(target, file, (fraction) => onProgress(fraction * 0.95));
  } catch {
    return null;
  }
  const reply = await store.request("upload_file", {
    file_id: sent.id,
    name: file.name,
    size: file.size,
    mime_type: file.type || "",
  });
  if (!reply.found || !reply.attachment) {
    remoteKernels.add(store);
    discard(target, sent.id);
    return null;
  }
  onProgress(1);
  return reply.attachment;
}
