import { Icon } from "../icons";
import type { Store } from "../store";

interface Props {
  store: Store;
  historyOpen: boolean;
  onToggleHistory: () => void;
}

export function Header({ store, historyOpen, onToggleHistory }: Props) {
  const thread = store.thread.value;
  const options = store.options.value;
  const title = thread?.title || options.title || "New chat";
  const busy = store.busy();
  const offline = store.offline();
  return (
    <div class="ckw-header">
      {options.history ? (
        <button
          type="button"
          class={`ckw-icon-button${historyOpen ? " ckw-selected" : ""}`}
          aria-label="Conversation history"
          aria-expanded={historyOpen}
          title="History"
          onClick={onToggleHistory}
        >
          <Icon name="history" />
        </button>
      ) : null}
      <div class="ckw-title" title={title} role="heading" aria-level={2}>
        {title}
      </div>
      <button
        type="button"
        class="ckw-icon-button"
        aria-label="New chat"
        title={offline ? "Not connected to the kernel" : busy ? "Wait for the response to finish" : "New chat"}
        disabled={busy || offline}
        onClick={() => store.newThread()}
      >
        <Icon name="compose" />
      </button>
    </div>
  );
}
