import type { ComponentChildren } from "preact";
import { memo, shallowEqual } from "./memo";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { AssistantMessageItem, ThreadItem } from "../chatkit";
import { Icon } from "../icons";
import { perfOff } from "../perf";
import { assistantText, isVisible } from "../state";
import type { Store } from "../store";
import { type OnWidgetAction, WidgetView } from "../widgets";
import { ClientToolCall, GeneratedImageView } from "./Items";
import { AssistantMessage, TurnActions, UserMessage } from "./Messages";
import { StartScreen } from "./StartScreen";
import { StructuredInputItemView } from "./StructuredInput";
import { ErrorBanner, Notice, Progress, Typing } from "./Status";
import { TaskView, WorkflowView } from "./Workflow";

/** From this many rows on, the opened thread's box is skipped while off screen (streaming.css). */
const LONG_PAST_ROWS = 200;

/** Within this many pixels of the bottom, the view follows the stream. */
const FOLLOW_SLACK_PX = 48;
/** Scroll events this long after a wheel, touch or key gesture are the user's. */
const GESTURE_MS = 400;

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

interface ItemProps {
  item: ThreadItem;
  streaming: boolean;
  imageDomains: readonly string[] | null | undefined;
  onWidgetAction: OnWidgetAction | undefined;
}

const ItemView = memo<ItemProps>(function ItemView({ item, streaming, imageDomains, onWidgetAction }) {
  switch (item.type) {
    case "user_message":
      return <UserMessage item={item} />;
    case "assistant_message":
      return <AssistantMessage item={item} streaming={streaming} imageDomains={imageDomains} />;
    case "workflow":
      return <WorkflowView item={item} streaming={streaming} />;
    case "task":
      return <TaskView task={item.task} streaming={streaming} />;
    case "client_tool_call":
      return <ClientToolCall item={item} />;
    case "generated_image":
      return <GeneratedImageView item={item} imageDomains={imageDomains} />;
    case "widget":
      return <WidgetView item={item} imageDomains={imageDomains} onAction={onWidgetAction} streaming={streaming} />;
    case "structured_input":
      return <StructuredInputItemView item={item} />;
    default:
      return null;
  }
});

interface SlotProps {
  store: Store;
  /** The item, or while it streams the outline's stub of it. */
  item: ThreadItem;
  streaming: boolean;
  imageDomains: readonly string[] | null | undefined;
  onWidgetAction: OnWidgetAction | undefined;
  /** Called after a streamed update is in the DOM (the same function on every render). */
  onGrow: () => void;
}

/**
 * One item of the list. A streaming item follows its own signal, so its text grows without
 * the list re-rendering; the same component stays when it finishes, and so does its DOM.
 */
const ItemSlot = memo<SlotProps>(function ItemSlot({ store, item, streaming, imageDomains, onWidgetAction, onGrow }) {
  const current = streaming ? (store.item(item.id).value ?? item) : item;
  useLayoutEffect(() => {
    if (streaming) onGrow();
  }, [current, streaming]);
  return (
    <div class={`ckw-item ckw-item--${item.type}`} data-item-id={item.id}>
      <ItemView item={current} streaming={streaming} imageDomains={imageDomains} onWidgetAction={onWidgetAction} />
    </div>
  );
});

interface TurnRowProps {
  store: Store;
  text: string;
  /** The turn's assistant message ids, space-separated (a string, so memo can compare it). */
  ids: string;
  userId: string | null;
  feedback: boolean;
  retry: boolean;
}

/** A turn's actions; props are plain values, so finished turns skip streamed updates. */
const TurnRow = memo<TurnRowProps>(function TurnRow({ store, text, ids, userId, feedback, retry }) {
  const itemIds = ids.split(" ");
  return (
    <TurnActions
      text={text}
      itemIds={itemIds}
      feedback={feedback}
      onFeedback={(kind) => store.feedback(itemIds, kind)}
      onRetry={retry && userId ? () => store.retry(userId) : null}
    />
  );
});

interface Turn {
  /** The turn's user message (null before the thread's first one). */
  user: string | null;
  replies: AssistantMessageItem[];
}

/** The turn `items` end in: its user message and the replies after it. */
function lastTurn(items: readonly ThreadItem[]): Turn {
  let start = items.length;
  while (start > 0 && items[start - 1]!.type !== "user_message") start--;
  const user = start > 0 ? items[start - 1]!.id : null;
  const replies = items.slice(start).filter((item): item is AssistantMessageItem => item.type === "assistant_message");
  return { user, replies };
}

function turnRow(store: Store, turn: Turn, feedback: boolean, retry: boolean) {
  const lastReply = turn.replies[turn.replies.length - 1]!;
  return (
    <TurnRow
      key={`actions-${lastReply.id}`}
      store={store}
      text={turn.replies.map(assistantText).join("\n\n")}
      ids={turn.replies.map((reply) => reply.id).join(" ")}
      userId={turn.user}
      feedback={feedback}
      retry={retry}
    />
  );
}

/**
 * Push a row for each of `items` onto `rows`, and a turn's actions row before the user
 * message that ends it. `turn` is the turn going on before `items`, and after them.
 */
function addRows(
  rows: ComponentChildren[],
  items: readonly ThreadItem[],
  turn: Turn,
  slot: Omit<SlotProps, "item" | "streaming">,
  isOpen: (id: string) => boolean,
  feedback: boolean,
): void {
  for (const item of items) {
    if (item.type === "user_message") {
      if (turn.replies.length) rows.push(turnRow(slot.store, turn, feedback, false));
      turn.user = item.id;
      turn.replies = [];
    }
    rows.push(<ItemSlot key={item.id} {...slot} item={item} streaming={isOpen(item.id)} />);
    if (item.type === "assistant_message") turn.replies.push(item);
  }
}

interface PastProps {
  store: Store;
  /** The items the thread was opened with (a new array on each render: compared by item). */
  items: readonly ThreadItem[];
  /** Those of them still streaming (a widget updated later), space-separated. */
  open: string;
  imageDomains: readonly string[] | null | undefined;
  onWidgetAction: OnWidgetAction | undefined;
  onGrow: () => void;
  feedback: boolean;
}

const samePast = (prev: PastProps, next: PastProps): boolean => {
  const { items: a, ...restPrev } = prev;
  const { items: b, ...restNext } = next;
  return a.length === b.length && a.every((item, index) => item === b[index]) && shallowEqual(restPrev, restNext);
};

/**
 * The items a thread was opened with, in one box (streaming.css): a reply streaming after
 * them then lays out and paints as in an empty thread. New items (and a new thread started
 * by sending) stay outside it, so nothing moves between the two. Its last turn is not
 * closed here: the rows after the box go on with it.
 */
const PastRows = memo<PastProps>(function PastRows({ store, items, open, imageDomains, onWidgetAction, onGrow, feedback }) {
  const openIds = open ? open.split(" ") : [];
  const rows: ComponentChildren[] = [];
  const slot = { store, imageDomains, onWidgetAction, onGrow };
  addRows(rows, items, { user: null, replies: [] }, slot, (id) => openIds.includes(id), feedback);
  return <div class={`ckw-thread-past${rows.length > LONG_PAST_ROWS ? " ckw-thread-past--long" : ""}`}>{rows}</div>;
}, samePast);

export function ThreadView({
  store,
  sendTick,
  onPrompt,
  onWidgetAction,
}: {
  store: Store;
  sendTick: number;
  onPrompt: (text: string) => void;
  /** Widget actions go here; without it, widget controls render but say they are not connected. */
  onWidgetAction?: OnWidgetAction;
}) {
  // The outline, not the state: a batch that only grows a streaming item's text does not
  // re-render the list (see LiveItem).
  const state = store.outline.value;
  const options = store.options.value;
  const busy = store.busy();
  const offline = store.offline();
  const imageDomains = state.thread?.allowed_image_domains;
  const visible = state.items.filter(isVisible);
  const last = visible[visible.length - 1];
  const lastStreams = last !== undefined && state.open.includes(last.id);

  // The items a thread was opened with go in PastRows' box; those that come later, after it.
  const threadId = state.thread?.id ?? null;
  const opened = useRef<{ threadId: string | null; lastId: string | null }>({ threadId: null, lastId: null });
  if (opened.current.threadId !== threadId) opened.current = { threadId, lastId: busy ? null : (last?.id ?? null) };

  const scrollRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const [showJump, setShowJump] = useState(false);
  const olderRequested = useRef(false);
  const previous = useRef({ firstId: visible[0]?.id, height: 0 });
  const [loadingOlder, setLoadingOlder] = useState(false);

  // Scroll events alone cannot tell the user's scrolling from the view's own: content that
  // grows between our programmatic scroll and its scroll event looks like scrolling up.
  // So following stops only on the user's own gestures (wheel, touch, keys, a scrollbar
  // drag), and scroll events count only while such a gesture is under way.
  const gestureUntil = useRef(0);
  const dragging = useRef(false);
  const lastTop = useRef(0);

  // A streamed update scrolls to the bottom right away, in the task that changed the DOM:
  // scrolled later (after the frame's layout, by the ResizeObserver), the scroll makes
  // Chromium update the hover state in one more frame, ~20 % of a batch's cost (issue 14).
  const onGrow = useRef(() => {
    const el = scrollRef.current;
    if (el && follow.current && !perfOff("early-follow")) el.scrollTop = el.scrollHeight;
  }).current;

  const toBottom = (smooth = false) => {
    const el = scrollRef.current;
    if (!el) return;
    if (smooth && typeof el.scrollTo === "function") el.scrollTo({ top: el.scrollHeight, behavior: "smooth" });
    else el.scrollTop = el.scrollHeight;
  };

  const setFollow = (value: boolean) => {
    follow.current = value;
    setShowJump(!value);
  };

  const gesture = () => {
    gestureUntil.current = performance.now() + GESTURE_MS;
    lastTop.current = scrollRef.current?.scrollTop ?? 0;
  };

  /** The user asked to see earlier content: stop following, if there is any to see. */
  const userScrollsUp = () => {
    gesture();
    const el = scrollRef.current;
    if (el && el.scrollTop > 0) setFollow(false);
  };

  const onScroll = () => {
    const el = scrollRef.current;
    if (!el) return;
    // Only a move up stops following: our own scrolls to the bottom only ever move down, and
    // growing content leaves scrollTop alone.
    const up = el.scrollTop < lastTop.current - 1;
    lastTop.current = el.scrollTop;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_SLACK_PX;
    if (dragging.current || performance.now() < gestureUntil.current) {
      if (atBottom || up) setFollow(atBottom);
    } else if (up && !atBottom && follow.current && el.clientHeight > 0) {
      // The browser moved up without a gesture we see: focus moved back to a control (Tab),
      // find in page, a scrolled-into-view element. The user is reading up there; the next
      // item or notice must not pull them down (shrinking content that clamps scrollTop
      // leaves it at the bottom, so it never lands here).
      setFollow(false);
    }
  };

  const onWheel = (event: WheelEvent) => {
    if (event.deltaY < 0) userScrollsUp();
    else gesture();
  };

  // A press on the scroller itself (not on its content) is a press on its scrollbar.
  const onPointerDown = (event: PointerEvent) => {
    if (event.target !== scrollRef.current) return;
    dragging.current = true;
    const release = () => {
      dragging.current = false;
      gesture();
      window.removeEventListener("pointerup", release, true);
      window.removeEventListener("pointercancel", release, true);
    };
    window.addEventListener("pointerup", release, true);
    window.addEventListener("pointercancel", release, true);
  };

  /** Keys scroll the thread wherever the focus is inside it (buttons, links, code). */
  const onKeyDown = (event: KeyboardEvent) => {
    const el = scrollRef.current;
    if (!el || event.altKey || event.ctrlKey || event.metaKey || isEditable(event.target)) return;
    const page = Math.max(el.clientHeight - 40, 40);
    const by: Record<string, number> = { ArrowUp: -40, ArrowDown: 40, PageUp: -page, PageDown: page };
    if (event.key === " ") by[" "] = event.shiftKey ? -page : page;
    let top: number;
    if (event.key in by) top = el.scrollTop + by[event.key]!;
    else if (event.key === "Home") top = 0;
    else if (event.key === "End") top = el.scrollHeight;
    else return;
    // A focused button takes Space as a click.
    if (event.key === " " && event.target !== el) return;
    event.preventDefault();
    if (top < el.scrollTop) userScrollsUp();
    else gesture();
    el.scrollTop = top;
  };

  // After each render: keep the reading position when older items came in on top. Following
  // the stream is the ResizeObserver's job: it runs after the browser's own layout, where
  // reading scrollHeight here would force a layout on every streamed update.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const firstId = visible[0]?.id;
    const prepended = olderRequested.current && firstId !== previous.current.firstId;
    previous.current.firstId = firstId;
    if (prepended) {
      olderRequested.current = false;
      el.scrollTop += el.scrollHeight - previous.current.height;
      previous.current.height = el.scrollHeight;
    } else if (typeof ResizeObserver === "undefined") {
      if (follow.current) el.scrollTop = el.scrollHeight;
      previous.current.height = el.scrollHeight;
    }
  });

  // Follow the content as it grows (new items, streamed markdown, images loading) or as the
  // viewport shrinks (a taller composer), once per frame after layout.
  useEffect(() => {
    const content = contentRef.current;
    const scroller = scrollRef.current;
    if (!content || !scroller || typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => {
      if (follow.current) toBottom();
      previous.current.height = scroller.scrollHeight;
    });
    observer.observe(content);
    observer.observe(scroller);
    return () => observer.disconnect();
  }, []);

  // The user just sent: show them their message and the reply.
  useEffect(() => {
    if (sendTick === 0) return;
    setFollow(true);
    toBottom();
  }, [sendTick]);

  const loadOlder = () => {
    olderRequested.current = true;
    setLoadingOlder(true);
    store
      .loadOlder()
      .catch(() => (olderRequested.current = false))
      .finally(() => setLoadingOlder(false));
  };

  const retryError = state.error?.allow_retry && options.retry && !busy && !offline ? () => store.retry(null) : null;

  // The opened thread's items render as one memoized block: a new turn, a response's start
  // or end re-renders only the rows after it, however long the thread (issue 14).
  const pastCount = opened.current.lastId === null ? 0 : visible.findIndex((item) => item.id === opened.current.lastId) + 1;
  const past = visible.slice(0, pastCount);
  const pastOpen = state.open.filter((id) => past.some((item) => item.id === id)).join(" ");
  // The last turn of the block goes on after it: its actions row comes once it ends.
  const turn = lastTurn(past);
  const rows: ComponentChildren[] = [];
  const slot = { store, imageDomains, onWidgetAction, onGrow };
  addRows(rows, visible.slice(pastCount), turn, slot, (id) => state.open.includes(id), options.feedback);
  // The last turn's actions, once its reply is done (after an error the banner offers
  // Retry: one control, not two).
  if (turn.replies.length && !busy) rows.push(turnRow(store, turn, options.feedback, options.retry && !offline && !retryError));

  const empty = visible.length === 0 && !busy;

  return (
    <div class="ckw-thread-wrap">
      <div
        class={`ckw-thread${showJump || perfOff("unanchored") ? "" : " ckw-thread--following"}`}
        ref={scrollRef}
        onScroll={onScroll}
        onWheel={onWheel}
        onTouchStart={gesture}
        onTouchMove={gesture}
        onPointerDown={onPointerDown}
        onKeyDown={onKeyDown}
        role="region"
        aria-label="Conversation"
        tabIndex={0}
      >
        <div class="ckw-thread-content" ref={contentRef}>
          {state.has_more ? (
            <button type="button" class="ckw-button ckw-load-older" onClick={loadOlder} disabled={loadingOlder}>
              {loadingOlder ? "Loading…" : "Load earlier messages"}
            </button>
          ) : null}
          {empty && !state.error ? <StartScreen store={store} onPrompt={onPrompt} /> : null}
          {pastCount > 0 ? (
            <PastRows {...slot} items={past} open={pastOpen} feedback={options.feedback} />
          ) : null}
          {rows}
          {busy && state.progress ? <Progress progress={state.progress} /> : null}
          {busy && !state.progress && !lastStreams ? <Typing /> : null}
          {state.notices.map((notice, index) => (
            <Notice key={index} notice={notice} />
          ))}
          {state.error ? <ErrorBanner error={state.error} onRetry={retryError} /> : null}
        </div>
      </div>
      {showJump ? (
        <button
          type="button"
          class="ckw-jump"
          onClick={() => {
            setFollow(true);
            toBottom(true);
          }}
        >
          <Icon name="arrowDown" size={14} />
          Jump to latest
        </button>
      ) : null}
    </div>
  );
}
