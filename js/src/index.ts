// The anywidget module: `initialize` once per model (the shared store and message
// routing), `render` once per view (DOM only). Several views of one model share a store.

import { h, render as renderPreact } from "preact";
import { App } from "./components/App";
import { WidgetFallback } from "./components/Items";
import { WidgetRootView } from "./widgets";
import { renderWhole, renderWholeBuilt } from "./markdown";
import { perfHook } from "./perf";
import type { WidgetNode } from "./chatkit";
import type { AnyModel } from "./protocol";
import { createStore, type Store } from "./store";
import { keepLiveCss } from "./livecss";
import "./styles.css";
import "./saved.css";

export const EFFECT_EVENT = "chatkit-widget:effect";

const stores = new Set<{ model: AnyModel; store: Store }>();

/**
 * The store `initialize` made for the model behind this view. anywidget hands each hook
 * its own proxy of the model, so proxies cannot be compared; the synced `_transcript`
 * list can: both proxies return the very same object, and no two models share one.
 */
function findStore(model: AnyModel): Store | undefined {
  const transcript = model.get("_transcript");
  if (typeof transcript !== "object" || transcript === null) return undefined;
  for (const entry of stores) if (entry.model.get("_transcript") === transcript) return entry.store;
  return undefined;
}

/** A widget root as the benchmark times it: rich, or as the plain-text fallback. */
function renderWidgetForPerf(widget: unknown, host: HTMLElement, asText: boolean): void {
  const node = widget as WidgetNode;
  const item = { id: "bench", thread_id: "bench", created_at: "", type: "widget" as const, widget: node };
  renderPreact(asText ? h(WidgetFallback, { item }) : h(WidgetRootView, { widget: node, itemId: "bench" }), host);
}

function initialize({ model }: { model: AnyModel }) {
  const perf = perfHook();
  if (perf) {
    perf.renderWhole = (text) => renderWhole(text);
    perf.renderWholeBuilt = (text) => renderWholeBuilt(text);
    perf.renderWidget = (widget, host, asText) => renderWidgetForPerf(widget, host, asText);
  }
  const entry = { model, store: createStore(model) };
  stores.add(entry);
  const offCss = keepLiveCss(model, entry.store.connected);
  return () => {
    offCss();
    stores.delete(entry);
    entry.store.dispose();
  };
}

function render({ model, el }: { model: AnyModel; el: HTMLElement }) {
  // A host that skipped initialize (or a model we cannot match) gets a store per view.
  const shared = findStore(model);
  const store = shared ?? createStore(model);
  renderPreact(h(App, { store }), el);
  const offEffect = store.onEffect((effect) => {
    const target = el.querySelector(".ckw-root") ?? el;
    target.dispatchEvent(new CustomEvent(EFFECT_EVENT, { detail: effect, bubbles: true, composed: true }));
  });
  return () => {
    offEffect();
    renderPreact(null, el);
    if (!shared) store.dispose();
  };
}

export default { initialize, render };
