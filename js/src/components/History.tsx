import { useEffect, useRef, useState } from "preact/hooks";
import type { Thread } from "../chatkit";
import { Icon, Spinner } from "../icons";
import type { Store } from "../store";

const PAGE_SIZE = 30;

function relativeDate(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return "";
  const days = Math.floor((Date.now() - time) / 86_400_000);
  if (days <= 0) return new Date(time).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
  if (days === 1) return "Yesterday";
  if (days < 7) return `${days} days ago`;
  return new Date(time).toLocaleDateString();
}

/** The list of past threads (ChatKit's history panel), loaded page by page from the kernel. */
export function HistoryPanel({ store, onClose }: { store: Store; onClose: () => void }) {
  const options = store.options.value;
  const activeId = store.thread.value?.id;
  const [threads, setThreads] = useState<Thread[]>([]);
  const [after, setAfter] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const panel = useRef<HTMLDivElement>(null);

  const load = (cursor: string | null) => {
    setLoading(true);
    setError(null);
    store
      .request("list_threads", { limit: PAGE_SIZE, after: cursor })
      .then((page) => {
        const data = Array.isArray(page?.data) ? page.data : [];
        setThreads((current) => (cursor ? [...current, ...data] : data));
        setHasMore(Boolean(page?.has_more));
        setAfter(page?.after ?? data[data.length - 1]?.id ?? null);
      })
      .catch((err: Error) => setError(err.message))
      .finally(() => setLoading(false));
  };

  useEffect(() => {
    load(null);
    panel.current?.focus();
  }, []);

  const run = (promise: Promise<unknown>) =>
    promise
      .then(() => load(null))
      .catch((err: Error) => setError(err.message))
      .finally(() => {
        setEditing(null);
        setConfirming(null);
      });

  const rename = (thread: Thread, title: string) => {
    const trimmed = title.trim();
    if (!trimmed || trimmed === thread.title) return setEditing(null);
    void run(store.request("rename_thread", { thread_id: thread.id, title: trimmed }));
  };

  return (
    <div
      class="ckw-history"
      ref={panel}
      tabIndex={-1}
      role="dialog"
      aria-label="Conversation history"
      onKeyDown={(event) => {
        event.stopPropagation();
        if (event.key === "Escape") onClose();
      }}
    >
      <div class="ckw-history-header">
        <span>History</span>
        <button type="button" class="ckw-icon-button" aria-label="Close history" onClick={onClose}>
          <Icon name="close" />
        </button>
      </div>
      {error ? <div class="ckw-banner ckw-banner--danger">{error}</div> : null}
      <ul class="ckw-history-list">
        {threads.map((thread) => (
          <li key={thread.id} class={`ckw-history-row${thread.id === activeId ? " ckw-selected" : ""}`}>
            {editing === thread.id ? (
              <input
                class="ckw-history-rename"
                aria-label="Conversation title"
                defaultValue={thread.title ?? ""}
                ref={(el) => el?.focus()}
                onKeyDown={(event) => {
                  event.stopPropagation();
                  const input = event.currentTarget as HTMLInputElement;
                  if (event.key === "Enter") rename(thread, input.value);
                  if (event.key === "Escape") setEditing(null);
                }}
                onBlur={(event) => rename(thread, (event.currentTarget as HTMLInputElement).value)}
              />
            ) : confirming === thread.id ? (
              <div class="ckw-history-confirm">
                <span>Delete this conversation?</span>
                <button
                  type="button"
                  class="ckw-button ckw-button--danger"
                  onClick={() => void run(store.request("delete_thread", { thread_id: thread.id }))}
                >
                  Delete
                </button>
                <button type="button" class="ckw-button" onClick={() => setConfirming(null)}>
                  Cancel
                </button>
              </div>
            ) : (
              <>
                <button
                  type="button"
                  class="ckw-history-open"
                  aria-current={thread.id === activeId ? "true" : undefined}
                  onClick={() => {
                    if (thread.id !== activeId) store.openThread(thread.id);
                    onClose();
                  }}
                >
                  <span class="ckw-history-title">{thread.title || "Untitled"}</span>
                  <span class="ckw-history-date">{relativeDate(thread.created_at)}</span>
                </button>
                {options.history_rename ? (
                  <button
                    type="button"
                    class="ckw-icon-button"
                    aria-label={`Rename ${thread.title || "conversation"}`}
                    onClick={() => setEditing(thread.id)}
                  >
                    <Icon name="pencil" size={14} />
                  </button>
                ) : null}
                {options.history_delete ? (
                  <button
                    type="button"
                    class="ckw-icon-button"
                    aria-label={`Delete ${thread.title || "conversation"}`}
                    onClick={() => setConfirming(thread.id)}
                  >
                    <Icon name="trash" size={14} />
                  </button>
                ) : null}
              </>
            )}
          </li>
        ))}
      </ul>
      {loading ? (
        <div class="ckw-history-status">
          <Spinner /> Loading…
        </div>
      ) : threads.length === 0 && !error ? (
        <div class="ckw-history-status">No conversations yet.</div>
      ) : hasMore ? (
        <button type="button" class="ckw-button ckw-history-more" onClick={() => load(after)}>
          Show more
        </button>
      ) : null}
    </div>
  );
}
