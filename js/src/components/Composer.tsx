import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { Icon } from "../icons";
import type { Store } from "../store";
import { Markdown } from "./Markdown";

const MAX_HEIGHT_PX = 200;

export function Composer({ store, onSent, inputId }: { store: Store; onSent: () => void; inputId: string }) {
  const options = store.options.value;
  const [text, setText] = useState("");
  const ref = useRef<HTMLTextAreaElement>(null);

  const busy = store.busy();
  const canCancel = store.canCancel.value;
  const status = store.thread.value?.status;
  const offline = store.offline();
  const locked = (status !== undefined && status.type !== "active") || offline;
  const canSend = !busy && !locked && text.trim().length > 0;

  // Grow with the text (or the placeholder) up to a limit, then scroll inside.
  const fit = () => {
    const area = ref.current;
    if (!area) return;
    area.style.height = "auto";
    area.style.height = `${Math.min(area.scrollHeight, MAX_HEIGHT_PX)}px`;
  };
  useLayoutEffect(fit, [text, options.placeholder]);
  // And again when the width changes: the first measure may come before the chat has its
  // final width (e.g. in an HBox), which cut a wrapped placeholder off.
  useLayoutEffect(() => {
    const area = ref.current;
    if (!area || typeof ResizeObserver === "undefined") return;
    let width = area.clientWidth;
    const observer = new ResizeObserver(() => {
      if (area.clientWidth === width) return;
      width = area.clientWidth;
      fit();
    });
    observer.observe(area);
    return () => observer.disconnect();
  }, []);

  const submit = () => {
    if (!canSend) return;
    if (store.sendText(text)) {
      setText("");
      onSent();
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    // JupyterLab handles keys at the document: without this, Enter runs the cell and
    // letters trigger notebook shortcuts.
    event.stopPropagation();
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  };
  const stop = (event: Event) => event.stopPropagation();

  const placeholder = offline
    ? "Not connected to the kernel"
    : locked
    ? status?.reason || (status?.type === "closed" ? "This conversation is closed." : "This conversation is locked.")
    : options.placeholder;

  return (
    <div class="ckw-composer-area">
      <form
        class={`ckw-composer${locked ? " ckw-composer--locked" : ""}`}
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <label class="ckw-sr-only" for={inputId}>
          Message
        </label>
        <textarea
          id={inputId}
          ref={ref}
          class="ckw-input"
          rows={1}
          value={text}
          placeholder={placeholder}
          disabled={locked}
          aria-label="Message"
          onInput={(event) => setText((event.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={onKeyDown}
          onKeyUp={stop}
          onKeyPress={stop}
        />
        {canCancel ? (
          <button type="button" class="ckw-send ckw-stop" aria-label="Stop" title="Stop" onClick={() => store.cancel()}>
            <Icon name="stop" size={16} />
          </button>
        ) : (
          <button
            type="submit"
            class="ckw-send"
            aria-label="Send message"
            title={busy ? "Waiting for the response" : "Send (Enter)"}
            disabled={!canSend}
          >
            <Icon name="arrowUp" size={16} />
          </button>
        )}
      </form>
      {offline ? (
        <div class="ckw-offline" role="status">
          <Icon name="info" size={14} />
          Not connected to the kernel. If a cell is still running, the chat catches up when it
          finishes; otherwise this is the saved conversation: run the cell again to chat.
        </div>
      ) : null}
      {options.disclaimer ? <Markdown text={options.disclaimer} class="ckw-disclaimer" /> : null}
    </div>
  );
}
