// How big the chat is: the width its container gives it (width / min_width options), a
// fixed or "fill" height, and a handle on the bottom edge to resize the view.

import type { RefObject } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import "./sizing.css";

export const MIN_HEIGHT_PX = 240;
const KEY_STEP_PX = 20;

/** "fill" (and "100%", which would collapse inside an output area) fills the container. */
export function isFill(height: string): boolean {
  const value = height.trim().toLowerCase();
  return value === "fill" || value === "100%";
}

/**
 * Style the element the view was rendered into (the host): in a flex row (an `HBox`) it
 * takes the space its neighbours leave instead of its content's width, so the chat neither
 * squeezes them nor changes width as replies come in. CSS custom properties and classes,
 * not inline width, so an ipywidgets `layout` set on the widget still wins.
 */
export function useHostWidth(root: RefObject<HTMLElement | null>, width: string, minWidth: string): void {
  useLayoutEffect(() => {
    const host = root.current?.parentElement;
    if (!host) return;
    host.classList.add("ckw-host");
    host.classList.toggle("ckw-host--fixed", width.trim() !== "");
    setVar(host, "--ckw-width", width.trim());
    setVar(host, "--ckw-min-width", minWidth.trim());
    // The host is often put into its container after the first render: look once it is
    // laid out (and again whenever its size changes, which moving it into a box does).
    const place = () => {
      const parent = host.parentElement;
      const style = parent ? getComputedStyle(parent) : null;
      const row = !!style && /flex/.test(style.display) && style.flexDirection.startsWith("row");
      if (host.classList.contains("ckw-host--row") !== row) host.classList.toggle("ckw-host--row", row);
    };
    place();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(place);
    observer.observe(host);
    return () => observer.disconnect();
  }, [width, minWidth]);
}

function setVar(el: HTMLElement, name: string, value: string): void {
  if (value) el.style.setProperty(name, value);
  else el.style.removeProperty(name);
}

/**
 * The nearest ancestor whose height was set from outside (JupyterLab's Lumino layouts and
 * ipywidgets' `layout` set an inline height), or null for the page.
 */
function findContainer(el: HTMLElement): HTMLElement | null {
  for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
    if (node.style.height && node.clientHeight > 0) return node;
  }
  return null;
}

const px = (value: string) => parseFloat(value) || 0;

/**
 * Space the container's content takes above and below the root: paddings, borders and
 * siblings in block or column flow, level by level (siblings in a row sit beside it).
 */
function surroundings(root: HTMLElement, container: HTMLElement | null): { before: number; after: number } {
  let before = 0;
  let after = 0;
  for (let node: HTMLElement = root; node.parentElement && node !== container; node = node.parentElement) {
    const parent = node.parentElement;
    const own = getComputedStyle(node);
    before += px(own.marginTop);
    after += px(own.marginBottom);
    if (parent === container || parent === document.body) {
      if (parent === document.body) {
        const body = getComputedStyle(parent);
        before += px(body.marginTop) + px(body.paddingTop);
        after += px(body.marginBottom) + px(body.paddingBottom);
      }
      break;
    }
    const style = getComputedStyle(parent);
    before += px(style.paddingTop) + px(style.borderTopWidth);
    after += px(style.paddingBottom) + px(style.borderBottomWidth);
    if (/flex|grid/.test(style.display) && !style.flexDirection.startsWith("column")) continue;
    let past = false;
    for (const sibling of Array.from(parent.children)) {
      if (sibling === node) {
        past = true;
        continue;
      }
      if (!(sibling instanceof HTMLElement)) continue;
      const box = getComputedStyle(sibling);
      if (box.position === "absolute" || box.position === "fixed" || box.display === "none") continue;
      const height = sibling.offsetHeight + px(box.marginTop) + px(box.marginBottom);
      if (past) after += height;
      else before += height;
    }
  }
  return { before, after };
}

/** The height that makes the container's content fit exactly, or its visible height. */
function fillHeight(root: HTMLElement, container: HTMLElement | null): number {
  let visible = window.innerHeight;
  if (container) {
    const style = getComputedStyle(container);
    visible = container.clientHeight - px(style.paddingTop) - px(style.paddingBottom);
  }
  const { before, after } = surroundings(root, container);
  const fit = visible - before - after;
  // Far down a long page (a notebook), nothing can fit: take the visible height.
  return Math.max(MIN_HEIGHT_PX, fit >= MIN_HEIGHT_PX ? fit : visible);
}

/** In "fill" mode, keep the root as tall as its container allows, as that one resizes. */
export function useFillHeight(root: RefObject<HTMLElement | null>, enabled: boolean): void {
  useLayoutEffect(() => {
    const el = root.current;
    if (!enabled || !el) return;
    let frame = 0;
    let watched: HTMLElement | null = null;
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => schedule());
    const update = () => {
      frame = 0;
      if (!el.isConnected) return;
      // Found again each time: the view is often moved into its panel after it renders.
      const container = findContainer(el);
      if (container !== watched) {
        if (watched) observer?.unobserve(watched);
        if (container) observer?.observe(container);
        watched = container;
      }
      const height = Math.floor(fillHeight(el, container));
      if (Math.abs(el.getBoundingClientRect().height - height) > 1) el.style.height = `${height}px`;
    };
    // Coalesced to one read + write per frame, after the container settles.
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    update();
    if (el.parentElement) observer?.observe(el.parentElement);
    window.addEventListener("resize", schedule);
    return () => {
      observer?.disconnect();
      window.removeEventListener("resize", schedule);
      // Optional: a host (or a test's torn-down DOM) may unmount us without a window.
      if (frame) globalThis.cancelAnimationFrame?.(frame);
      el.style.height = "";
    };
  }, [enabled]);
}

interface HandleProps {
  root: RefObject<HTMLElement | null>;
  onResize: (heightPx: number) => void;
}

/** The bottom edge: drag (or arrow keys) to make this view of the chat taller or shorter. */
export function ResizeHandle({ root, onResize }: HandleProps) {
  const start = useRef<{ y: number; height: number } | null>(null);
  const current = () => root.current?.getBoundingClientRect().height ?? MIN_HEIGHT_PX;
  const set = (height: number) => onResize(Math.max(MIN_HEIGHT_PX, Math.round(height)));

  const onPointerDown = (event: PointerEvent) => {
    if (event.button !== 0) return;
    event.preventDefault();
    const handle = event.currentTarget as HTMLElement;
    handle.setPointerCapture?.(event.pointerId);
    start.current = { y: event.clientY, height: current() };
  };
  const onPointerMove = (event: PointerEvent) => {
    if (start.current) set(start.current.height + event.clientY - start.current.y);
  };
  const end = () => {
    start.current = null;
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    event.preventDefault();
    set(current() + (event.key === "ArrowUp" ? -KEY_STEP_PX : KEY_STEP_PX));
  };

  return (
    <div
      class="ckw-resize"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize chat"
      title="Drag to resize"
      tabIndex={0}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={end}
      onPointerCancel={end}
      onKeyDown={onKeyDown}
    />
  );
}
