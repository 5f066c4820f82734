// Attachment chips: in the composer (thumbnail, upload progress, remove) and in a sent
// user message (image thumbnails and file chips that open the file). Tags as chips.

import { useContext, useEffect, useRef, useState } from "preact/hooks";
import type { Attachment, EntitySource, UserMessageTagContent } from "../chatkit";
import { Icon } from "../icons";
import type { WidgetNode } from "../chatkit";
import type { Entity } from "../protocol";
import { WidgetRootView } from "../widgets";
import type { Store } from "../store";
import { StoreContext } from "./context";
import { readComposerOptions } from "./options";
import { attachmentUrl, humanSize } from "./uploads";

export interface PendingAttachment {
  key: string;
  name: string;
  size: number;
  mime: string;
  /** 0..1 while uploading. */
  progress: number;
  status: "uploading" | "done" | "error";
  error?: string;
  attachment?: Attachment;
  /** A blob: URL of the local file (images), revoked when the chip goes. */
  localUrl?: string;
}

export function ComposerAttachments({ items, onRemove }: { items: PendingAttachment[]; onRemove: (key: string) => void }) {
  return (
    <ul class="ckw-composer-attachments" aria-label="Attachments">
      {items.map((item) => (
        <li
          key={item.key}
          class={`ckw-attachment ckw-attachment--${item.status}`}
          title={item.error ?? (item.size > 0 ? `${item.name} (${humanSize(item.size)})` : item.name)}
          data-name={item.name}
        >
          {item.localUrl ? (
            <img class="ckw-attachment-thumb" src={item.localUrl} alt="" />
          ) : (
            <span class="ckw-attachment-icon">
              <Icon name={item.mime.startsWith("image/") ? "image" : "document"} size={16} />
            </span>
          )}
          <span class="ckw-attachment-text">
            <span class="ckw-attachment-name">{item.name}</span>
            <span class="ckw-attachment-meta">
              {item.status === "error"
                ? item.error
                : item.status === "uploading"
                  ? `Uploading ${Math.round(item.progress * 100)}%`
                  : item.size > 0
                    ? humanSize(item.size)
                    : item.mime || "Attached"}
            </span>
          </span>
          {item.status === "uploading" ? (
            <progress class="ckw-attachment-progress" max={1} value={item.progress} aria-label={`Uploading ${item.name}`} />
          ) : null}
          <button type="button" class="ckw-attachment-remove" aria-label={`Remove ${item.name}`} title="Remove" onClick={() => onRemove(item.key)}>
            <Icon name="close" size={12} />
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The blob: URL of a kernel-stored attachment, fetched once per store. */
function useAttachmentUrl(store: Store | null, attachment: Attachment, wanted: boolean): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!store || !wanted) return;
    let live = true;
    void attachmentUrl(store, attachment).then((found) => live && setUrl(found));
    return () => {
      live = false;
    };
  }, [store, attachment.id, attachment.preview_url, wanted, store?.connected.value]);
  return url;
}

function MessageAttachment({ attachment, store }: { attachment: Attachment; store: Store | null }) {
  const image = attachment.type === "image";
  const url = useAttachmentUrl(store, attachment, image);
  const open = () => {
    if (!store) return;
    void attachmentUrl(store, attachment).then((found) => {
      if (!found) return;
      const link = document.createElement("a");
      link.href = found;
      link.target = "_blank";
      link.rel = "noopener";
      if (!image) link.download = attachment.name;
      link.click();
    });
  };
  if (image && url) {
    return (
      <button type="button" class="ckw-message-image" title={attachment.name} aria-label={`Open ${attachment.name}`} onClick={open}>
        <img src={url} alt={attachment.name} />
      </button>
    );
  }
  return (
    <button type="button" class="ckw-chip ckw-message-file" title={attachment.mime_type} onClick={open} disabled={!store}>
      <Icon name={image ? "image" : "paperclip"} size={12} />
      {attachment.name}
    </button>
  );
}

export function MessageAttachments({ attachments }: { attachments: Attachment[] }) {
  const store = useContext(StoreContext);
  return (
    <div class="ckw-attachments ckw-message-attachments">
      {attachments.map((attachment) => (
        <MessageAttachment key={attachment.id} attachment={attachment} store={store} />
      ))}
    </div>
  );
}

/** A tag in a sent message: clickable and previewable when Python handles entities. */
export function TagChip({ tag }: { tag: UserMessageTagContent }) {
  const store = useContext(StoreContext);
  const options = store ? readComposerOptions(store.model) : null;
  const entity: Entity = { id: tag.id, title: tag.text, group: tag.group, data: tag.data, interactive: tag.interactive };
  const clickable = Boolean(store && options?.entityClick);
  const label = `@${tag.text}`;
  return (
    <EntityPreview entity={entity} enabled={Boolean(options?.entityPreview)}>
      {clickable ? (
        <button type="button" class="ckw-tag ckw-tag--button" title={tag.group ?? undefined} onClick={() => store?.entityClick({ ...entity })}>
          {label}
        </button>
      ) : (
        <span class="ckw-tag" title={tag.group ?? undefined}>
          {label}
        </span>
      )}
    </EntityPreview>
  );
}

/** An entity source under an answer: clickable and previewable like a tag. */
export function EntitySourceLink({ source }: { source: EntitySource }) {
  const store = useContext(StoreContext);
  const options = store ? readComposerOptions(store.model) : null;
  const entity: Entity = { id: source.id, title: source.title || source.label || source.id, icon: source.icon, group: source.group };
  const body = (
    <>
      <Icon name="dot" size={12} />
      <span class="ckw-source-title">{entity.title}</span>
    </>
  );
  return (
    <EntityPreview entity={entity} enabled={Boolean(options?.entityPreview)}>
      {store && options?.entityClick ? (
        <button type="button" class="ckw-source ckw-source--button" title={source.description ?? undefined} onClick={() => store.entityClick({ ...entity })}>
          {body}
        </button>
      ) : (
        <span class="ckw-source" title={source.description ?? undefined}>
          {body}
        </span>
      )}
    </EntityPreview>
  );
}

/** Hovering shows what `@chat.on_entity_preview` returns, drawn by the widget renderer. */
export function EntityPreview({ entity, enabled, children }: { entity: Entity; enabled: boolean; children: preact.ComponentChildren }) {
  const store = useContext(StoreContext);
  const [widget, setWidget] = useState<WidgetNode | null>(null);
  const [open, setOpen] = useState(false);
  const asked = useRef(false);
  if (!enabled || !store) return <>{children}</>;
  const show = () => {
    setOpen(true);
    if (asked.current) return;
    asked.current = true;
    store
      .request("entity_preview", { entity })
      .then((result) => setWidget(isWidget(result?.widget) ? result.widget : null))
      .catch(() => setWidget(null));
  };
  return (
    <span class="ckw-entity" onMouseEnter={show} onMouseLeave={() => setOpen(false)} onFocusIn={show} onFocusOut={() => setOpen(false)}>
      {children}
      {open && widget ? (
        <span class="ckw-entity-preview" role="tooltip">
          <WidgetRootView widget={widget} />
        </span>
      ) : null}
    </span>
  );
}

function isWidget(value: unknown): value is WidgetNode {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/** A widget tree as plain text (for places that cannot draw widgets). */
export function widgetText(node: unknown, depth = 0): string | null {
  if (depth > 20 || typeof node !== "object" || node === null) return null;
  const record = node as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of ["value", "title", "label", "text"]) {
    const value = record[key];
    if (typeof value === "string" && value.trim()) {
      parts.push(value.trim());
      break;
    }
  }
  const children = Array.isArray(record.children) ? record.children : [];
  for (const child of children) {
    const text = widgetText(child, depth + 1);
    if (text) parts.push(text);
  }
  return parts.length ? parts.join("\n").slice(0, 1000) : null;
}
