// A notebook saved with another chatkit-widget version carries that version's CSS in its
// widget state. anywidget keeps one <style> per widget class (its id is `_anywidget_id`)
// and whichever model loads last fills it, so a saved chat restored after the live one
// restyled every chat on the page with the old CSS. Once its kernel has answered, a chat
// puts its own CSS back whenever another text replaces it.

import type { ReadonlySignal } from "@preact/signals";
import type { AnyModel } from "./protocol";

// The CSS of every live chat on the page: two live chats of different versions (two
// kernels) leave each other's CSS alone instead of trading it back and forth.
const live = new Map<string, number>();

function hold(css: string, delta: number): void {
  const count = (live.get(css) ?? 0) + delta;
  if (count > 0) live.set(css, count);
  else live.delete(css);
}

export function keepLiveCss(model: AnyModel, connected: ReadonlySignal<boolean | null>): () => void {
  const id = model.get("_anywidget_id");
  if (typeof id !== "string" || !id) return () => {};
  let observer: MutationObserver | null = null;
  let held: string | null = null;
  const restore = () => {
    const css = model.get("_css");
    // A URL is loaded as a <link> by anywidget: not ours to manage.
    if (typeof css !== "string" || !css || /^https?:\/\//.test(css)) return;
    if (held !== css) {
      if (held !== null) hold(held, -1);
      hold(css, 1);
      held = css;
    }
    const style = document.querySelector(`style[id="${CSS.escape(id)}"]`);
    if (!style || style.textContent === css || live.has(style.textContent ?? "")) return;
    style.textContent = css;
  };
  const stop = connected.subscribe((value) => {
    if (value !== true || observer) return;
    restore();
    const style = document.querySelector(`style[id="${CSS.escape(id)}"]`);
    if (!style) return;
    observer = new MutationObserver(restore);
    observer.observe(style, { childList: true, characterData: true, subtree: true });
  });
  return () => {
    stop();
    observer?.disconnect();
    if (held !== null) hold(held, -1);
  };
}
