// A message from the view that the kernel has not taken up for a while: in marimo's edit
// mode (and any kernel stuck in a long cell) view messages wait until the running cell
// ends, so say so instead of looking dead.

import { useEffect, useState } from "preact/hooks";
import { Icon } from "../icons";
import type { Store } from "../store";

/** Unanswered this long, the view says the notebook is busy. */
export const BUSY_NOTICE_MS = 3_000;

export function BusyNotice({ store }: { store: Store }) {
  const waiting = store.unanswered.value;
  const stopping = store.stopping.value;
  const since = waiting === null ? stopping : stopping === null ? waiting : Math.min(waiting, stopping);
  const [shown, setShown] = useState(false);
  useEffect(() => {
    setShown(false);
    if (since === null) return;
    const timer = setTimeout(() => setShown(true), Math.max(0, since + BUSY_NOTICE_MS - Date.now()));
    return () => clearTimeout(timer);
  }, [since]);
  // Only for a kernel that is there (it sent something): one that never answered is offline,
  // which the composer explains.
  if (!shown || since === null || store.connected.value !== true) return null;
  return (
    <div class="ckw-banner ckw-banner--warning ckw-busy" role="status">
      <Icon name="clock" size={16} />
      <div class="ckw-banner-body">
        {store.sending.value
          ? "The notebook is busy running a cell; your message will be sent when it finishes."
          : stopping !== null
            ? "The notebook is busy running a cell, so Stop waits for it: interrupt the cell to stop the reply now."
            : "The notebook is busy running a cell; the chat catches up when it finishes."}
      </div>
    </div>
  );
}
