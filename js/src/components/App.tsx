import { useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { renderMarkdown } from "../markdown";
import type { Store } from "../store";
import { StoreContext } from "../composer/context";
import { BusyNotice } from "./Busy";
import type { OnWidgetAction } from "../widgets";
import { Composer } from "./Composer";
import { Header } from "./Header";
import { HistoryPanel } from "./History";
import { StructuredInputPanel } from "./StructuredInput";
import { ThreadView } from "./Thread";
import { VersionBanner } from "./Status";
import { isFill, ResizeHandle, useFillHeight, useHostWidth } from "./Sizing";

export type Palette = "jp" | "light" | "dark";

/**
 * Which palette to paint with. "auto" follows JupyterLab through its --jp-* variables;
 * where they are missing (other hosts), the page's dark markers or the OS preference.
 */
export function resolvePalette(theme: string, el: Element | null): Palette {
  if (theme === "light" || theme === "dark") return theme;
  // JupyterLab defines its variables on :root; the view's own element may not be attached
  // yet when this first runs, so look at the document, not just at el.
  for (const node of [el, document.documentElement]) {
    if (node && getComputedStyle(node).getPropertyValue("--jp-layout-color0").trim()) return "jp";
  }
  const root = document.documentElement;
  const body = document.body;
  const marked = `${root.className} ${body?.className ?? ""} ${root.dataset.theme ?? ""} ${body?.dataset.theme ?? ""}`;
  if (/\bdark\b|vscode-dark|theme-dark/.test(marked)) return "dark";
  if (/\blight\b|vscode-light|theme-light/.test(marked)) return "light";
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

let nextViewId = 0;

/**
 * Hand the keyboard back to the host: in JupyterLab, to the chat's cell in command mode
 * (the cell node is what Lab focuses in command mode), elsewhere just leave the chat.
 */
export function returnFocus(root: HTMLElement): void {
  const host = root.closest<HTMLElement>(".jp-Cell") ?? root.closest<HTMLElement>(".jp-Notebook");
  if (document.activeElement instanceof HTMLElement && root.contains(document.activeElement)) {
    document.activeElement.blur();
  }
  host?.focus();
}

/**
 * JupyterLab (like other hosts) handles keys at the document: without this, arrows move
 * the notebook's active cell and `d d` deletes the chat's own cell. Escape returns focus.
 */
function keepKeys(event: KeyboardEvent): void {
  event.stopPropagation();
  if (event.type === "keydown" && event.key === "Escape" && !event.defaultPrevented) {
    event.preventDefault();
    returnFocus(event.currentTarget as HTMLElement);
  }
}

const LIVE_TEXT_CHARS = 1000;

/** Finished replies read out by screen readers, as plain text (not markdown syntax). */
function LiveRegion({ text }: { text: string }) {
  const plain = useMemo(() => {
    if (!text) return "";
    // Only the start is read out: render no more of a long reply than that needs.
    const cut = text.length > LIVE_TEXT_CHARS ? text.lastIndexOf("\n\n", LIVE_TEXT_CHARS * 2) : -1;
    const rendered = renderMarkdown(cut > 0 ? text.slice(0, cut) : text.slice(0, LIVE_TEXT_CHARS * 2));
    for (const chrome of Array.from(rendered.querySelectorAll(".ckw-code-header"))) chrome.remove();
    return (rendered.textContent ?? "").replace(/\s+/g, " ").trim();
  }, [text]);
  return (
    <div class="ckw-sr-only" aria-live="polite" aria-atomic="true">
      {plain.slice(0, LIVE_TEXT_CHARS)}
    </div>
  );
}

export function App({ store, onWidgetAction }: { store: Store; onWidgetAction?: OnWidgetAction }) {
  const options = store.options.value;
  const rootRef = useRef<HTMLDivElement>(null);
  const [palette, setPalette] = useState<Palette>(options.theme === "auto" ? "jp" : options.theme);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [sendTick, setSendTick] = useState(0);
  const viewId = useMemo(() => `ckw-${++nextViewId}`, []);
  // A height dragged with the handle belongs to this view and wins over the option.
  const [dragHeight, setDragHeight] = useState<number | null>(null);
  const fill = dragHeight === null && isFill(options.height);
  useHostWidth(rootRef, options.width, options.min_width);
  useFillHeight(rootRef, fill);

  useLayoutEffect(() => {
    setPalette(resolvePalette(options.theme, rootRef.current));
    if (options.theme !== "auto" || typeof matchMedia !== "function") return;
    const query = matchMedia("(prefers-color-scheme: dark)");
    const update = () => setPalette(resolvePalette(options.theme, rootRef.current));
    query.addEventListener?.("change", update);
    return () => query.removeEventListener?.("change", update);
  }, [options.theme]);

  // Widget actions go to the kernel; one function per view, so memoized items keep rendering
  // nothing new. The promise settles when the action's response has ended.
  const widgetAction = useMemo<OnWidgetAction>(
    () => onWidgetAction ?? ((action, itemId) => store.widgetAction(action, itemId).then(() => undefined)),
    [store, onWidgetAction],
  );
  const sent = () => setSendTick((tick) => tick + 1);
  const pendingInput = store.structuredInput.value;
  const sendPrompt = (text: string) => {
    if (!store.busy() && !store.offline() && store.sendText(text)) sent();
  };

  return (
    <StoreContext.Provider value={store}>
      <div
        class="ckw-root"
        ref={rootRef}
        data-theme={palette}
        style={{ height: dragHeight !== null ? `${dragHeight}px` : fill ? undefined : options.height }}
        onKeyDown={keepKeys}
        onKeyUp={keepKeys}
        onKeyPress={keepKeys}
      >
        {store.versionMismatch() ? <VersionBanner kernelVersion={store.protocolVersion.value} /> : null}
        <Header store={store} historyOpen={historyOpen} onToggleHistory={() => setHistoryOpen(!historyOpen)} />
        <div class="ckw-body">
          <ThreadView store={store} sendTick={sendTick} onPrompt={sendPrompt} onWidgetAction={widgetAction} />
          {historyOpen && options.history ? <HistoryPanel store={store} onClose={() => setHistoryOpen(false)} /> : null}
        </div>
        <BusyNotice store={store} />
        {pendingInput && !store.offline() ? (
          <StructuredInputPanel key={pendingInput.id} store={store} item={pendingInput} />
        ) : (
          <Composer store={store} onSent={sent} inputId={`${viewId}-input`} />
        )}
        <LiveRegion text={store.announcement.value} />
        <ResizeHandle root={rootRef} onResize={setDragHeight} />
      </div>
    </StoreContext.Provider>
  );
}
