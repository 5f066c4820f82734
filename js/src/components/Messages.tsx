import { useState } from "preact/hooks";
import type { Annotation, AssistantMessageItem, Source, UserMessageItem } from "../chatkit";
import { Icon } from "../icons";
import { copyText } from "../markdown";
import { EntitySourceLink, MessageAttachments, TagChip } from "../composer/Attachments";
import { Markdown } from "./Markdown";

export function UserMessage({ item }: { item: UserMessageItem }) {
  const content = Array.isArray(item.content) ? item.content : [];
  const attachments = Array.isArray(item.attachments) ? item.attachments : [];
  return (
    <div class="ckw-user">
      {item.quoted_text ? (
        <div class="ckw-user-quote">
          <Icon name="quote" size={12} />
          <span>{item.quoted_text}</span>
        </div>
      ) : null}
      {attachments.length > 0 ? <MessageAttachments attachments={attachments} /> : null}
      {content.length > 0 ? (
        <div class="ckw-user-bubble">
          {content.map((part, index) =>
            part.type === "input_tag" ? <TagChip key={index} tag={part} /> : <span key={index}>{part.text}</span>,
          )}
        </div>
      ) : null}
    </div>
  );
}

interface AssistantProps {
  item: AssistantMessageItem;
  streaming: boolean;
  imageDomains: readonly string[] | null | undefined;
}

export function AssistantMessage({ item, streaming, imageDomains }: AssistantProps) {
  const parts = Array.isArray(item.content) ? item.content : [];
  const annotations = parts.flatMap((part) => part.annotations ?? []);
  return (
    <div class="ckw-assistant">
      {parts.map((part, index) => (
        <Markdown
          key={index}
          text={part.text ?? ""}
          done={!streaming || index < parts.length - 1}
          imageDomains={imageDomains}
        />
      ))}
      {annotations.length > 0 ? <Sources annotations={annotations} /> : null}
    </div>
  );
}

/** Only web and mail links leave the page; anything else is shown as text. */
export function safeHref(url: string | undefined | null): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return ["http:", "https:", "mailto:"].includes(parsed.protocol) ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function sourceKey(source: Source): string {
  if (source.type === "url") return `url:${source.url}`;
  if (source.type === "file") return `file:${source.filename}:${source.title}`;
  return `entity:${source.id}`;
}

export function Sources({ annotations }: { annotations: Annotation[] }) {
  const seen = new Set<string>();
  const sources: Source[] = [];
  for (const annotation of annotations) {
    const source = annotation?.source;
    if (!source || seen.has(sourceKey(source))) continue;
    seen.add(sourceKey(source));
    sources.push(source);
  }
  if (sources.length === 0) return null;
  return (
    <div class="ckw-sources">
      <div class="ckw-sources-label">Sources</div>
      <ol class="ckw-sources-list">
        {sources.map((source) => (
          <li key={sourceKey(source)}>
            <SourceLink source={source} />
          </li>
        ))}
      </ol>
    </div>
  );
}

export function SourceLink({ source }: { source: Source }) {
  if (source.type === "url") {
    const href = safeHref(source.url);
    let host = "";
    try {
      host = new URL(source.url).hostname.replace(/^www\./, "");
    } catch {
      // not a URL: no host label
    }
    const label = source.title || host || source.url;
    return href ? (
      <a class="ckw-source" href={href} target="_blank" rel="noopener noreferrer" title={source.description ?? href}>
        <Icon name="globe" size={12} />
        <span class="ckw-source-title">{label}</span>
        {host && host !== label ? <span class="ckw-source-host">{source.attribution ?? host}</span> : null}
      </a>
    ) : (
      <span class="ckw-source">{label}</span>
    );
  }
  if (source.type === "file") {
    return (
      <span class="ckw-source" title={source.description ?? source.filename}>
        <Icon name="document" size={12} />
        <span class="ckw-source-title">{source.title || source.filename}</span>
      </span>
    );
  }
  return <EntitySourceLink source={source} />;
}

interface TurnActionsProps {
  text: string;
  itemIds: string[];
  feedback: boolean;
  onFeedback: (kind: "positive" | "negative") => void;
  onRetry: (() => void) | null;
}

/** Copy, feedback and retry under the last assistant message of a finished turn. */
export function TurnActions({ text, itemIds, feedback, onFeedback, onRetry }: TurnActionsProps) {
  const [copied, setCopied] = useState(false);
  const [given, setGiven] = useState<"positive" | "negative" | null>(null);
  const copy = () =>
    void copyText(text).then((ok) => {
      if (!ok) return;
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    });
  const give = (kind: "positive" | "negative") => {
    if (given) return;
    setGiven(kind);
    onFeedback(kind);
  };
  return (
    <div class="ckw-actions" data-items={itemIds.join(" ")}>
      <button type="button" class="ckw-icon-button" aria-label={copied ? "Copied" : "Copy response"} title="Copy" onClick={copy}>
        <Icon name={copied ? "check" : "copy"} />
      </button>
      {feedback ? (
        <>
          <button
            type="button"
            class={`ckw-icon-button${given === "positive" ? " ckw-selected" : ""}`}
            aria-label="Good response"
            aria-pressed={given === "positive"}
            title="Good response"
            disabled={given !== null && given !== "positive"}
            onClick={() => give("positive")}
          >
            <Icon name="thumbsUp" />
          </button>
          <button
            type="button"
            class={`ckw-icon-button${given === "negative" ? " ckw-selected" : ""}`}
            aria-label="Bad response"
            aria-pressed={given === "negative"}
            title="Bad response"
            disabled={given !== null && given !== "negative"}
            onClick={() => give("negative")}
          >
            <Icon name="thumbsDown" />
          </button>
        </>
      ) : null}
      {onRetry ? (
        <button type="button" class="ckw-icon-button" aria-label="Retry" title="Retry" onClick={onRetry}>
          <Icon name="reload" />
        </button>
      ) : null}
    </div>
  );
}
