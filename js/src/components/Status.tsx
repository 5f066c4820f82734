// Transient lines and banners: progress, typing dots, notices, errors, version mismatch.

import type { ErrorEvent, NoticeEvent, ProgressUpdateEvent } from "../chatkit";
import { chatkitIcon, Icon } from "../icons";
import { PROTOCOL_VERSION } from "../protocol";
import { Markdown } from "./Markdown";

export function Progress({ progress }: { progress: ProgressUpdateEvent }) {
  return (
    <div class="ckw-progress" role="status">
      <Icon name={chatkitIcon(progress.icon)} size={14} />
      <span class="ckw-shimmer">{progress.text}</span>
    </div>
  );
}

export function Typing() {
  return (
    <div class="ckw-typing" role="status" aria-label="Assistant is responding">
      <span />
      <span />
      <span />
    </div>
  );
}

const NOTICE_ICONS = { info: "info", warning: "warning", danger: "error" } as const;

export function Notice({ notice }: { notice: NoticeEvent }) {
  const level = notice.level in NOTICE_ICONS ? notice.level : "info";
  return (
    <div class={`ckw-banner ckw-banner--${level}`} role={level === "danger" ? "alert" : "status"}>
      <Icon name={NOTICE_ICONS[level]} size={16} />
      <div class="ckw-banner-body">
        {notice.title ? <div class="ckw-banner-title">{notice.title}</div> : null}
        <Markdown text={notice.message ?? ""} />
      </div>
    </div>
  );
}

export const DEFAULT_ERROR = "Something went wrong.";

export function ErrorBanner({ error, onRetry }: { error: ErrorEvent; onRetry: (() => void) | null }) {
  return (
    <div class="ckw-banner ckw-banner--danger" role="alert">
      <Icon name="error" size={16} />
      <div class="ckw-banner-body">{error.message || DEFAULT_ERROR}</div>
      {onRetry ? (
        <button type="button" class="ckw-button" onClick={onRetry}>
          <Icon name="reload" size={14} />
          Retry
        </button>
      ) : null}
    </div>
  );
}

export function VersionBanner({ kernelVersion }: { kernelVersion: unknown }) {
  return (
    <div class="ckw-banner ckw-banner--danger ckw-version" role="alert">
      <Icon name="warning" size={16} />
      <div class="ckw-banner-body">
        This view speaks protocol v{PROTOCOL_VERSION} but the kernel speaks v{String(kernelVersion)}. Reinstall
        chatkit-widget, restart the kernel and reload the page.
      </div>
    </div>
  );
}
