// The thread items that are neither messages nor workflows.

import type { ClientToolCallItem, GeneratedImageItem, WidgetItem, WidgetNode } from "../chatkit";
import { Icon, Spinner } from "../icons";
import { isAllowedImage } from "../sanitize";
import { safeHref } from "./Messages";

export function ClientToolCall({ item }: { item: ClientToolCallItem }) {
  const done = item.status === "completed";
  return (
    <div class="ckw-tool" data-status={done ? "completed" : "pending"}>
      <Icon name="tool" size={14} />
      <span class="ckw-tool-name">{item.name}</span>
      {done ? (
        <Icon name="check" size={14} class="ckw-tool-done" />
      ) : (
        <Spinner label={`${item.name} running`} />
      )}
    </div>
  );
}

export function GeneratedImageView({ item, imageDomains }: { item: GeneratedImageItem; imageDomains: readonly string[] | null | undefined }) {
  const url = item.image?.url;
  if (!url) {
    return (
      <div class="ckw-image ckw-image--pending">
        <Spinner />
        <span class="ckw-shimmer">Generating image…</span>
      </div>
    );
  }
  if (isAllowedImage(url, imageDomains)) {
    return (
      <div class="ckw-image">
        <img src={url} alt="Generated image" loading="lazy" referrerpolicy="no-referrer" />
      </div>
    );
  }
  const href = safeHref(url);
  return (
    <div class="ckw-image ckw-image--blocked">
      <Icon name="image" size={14} />
      {href ? (
        <a href={href} target="_blank" rel="noopener noreferrer" title={href}>
          Generated image (not from an allowed domain)
        </a>
      ) : (
        <span>Generated image (not from an allowed domain)</span>
      )}
    </div>
  );
}

/** Readable text of a widget tree: the fallback for a widget (or component) that cannot render. */
export function widgetText(node: WidgetNode | undefined, depth = 0): string[] {
  if (!node || typeof node !== "object" || depth > 20) return [];
  const lines: string[] = [];
  for (const key of ["title", "label", "value", "text", "content"]) {
    const value = node[key];
    if (typeof value === "string" && value.trim()) lines.push(value.trim());
  }
  const raw: unknown = node.children;
  const children = (Array.isArray(raw) ? raw : raw && typeof raw === "object" ? [raw] : []) as WidgetNode[];
  for (const child of children) lines.push(...widgetText(child, depth + 1));
  return lines;
}

export function WidgetFallback({ item }: { item: WidgetItem }) {
  const text = item.copy_text?.trim() || widgetText(item.widget).join("\n");
  return (
    <div class="ckw-widget" aria-label="Widget">
      {text ? <div class="ckw-widget-text">{text}</div> : <div class="ckw-muted">[{item.widget?.type ?? "widget"}]</div>}
    </div>
  );
}
