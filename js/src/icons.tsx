// A few stroke icons drawn on a 24×24 grid, and the mapping of ChatKit icon names onto
// them (ChatKit names many more; the rest share a glyph or fall back to a dot).

const PATHS = {
  compose: ["M12 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-7", "M18.4 2.6a2.1 2.1 0 0 1 3 3L12 15l-4 1 1-4Z"],
  arrowUp: ["M12 19V5", "M5 12l7-7 7 7"],
  arrowDown: ["M12 5v14", "M19 12l-7 7-7-7"],
  copy: ["M9 9h10a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-8a2 2 0 0 1-2-2Z", "M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1"],
  check: ["M20 6 9 17l-5-5"],
  chevronRight: ["M9 18l6-6-6-6"],
  chevronDown: ["M6 9l6 6 6-6"],
  plus: ["M12 5v14", "M5 12h14"],
  mic: ["M12 2a3 3 0 0 0-3 3v7a3 3 0 0 0 6 0V5a3 3 0 0 0-3-3Z", "M19 10v2a7 7 0 0 1-14 0v-2", "M12 19v3"],
  thumbsUp: [
    "M7 10v12",
    "M15 5.9 14 10h5.8a2 2 0 0 1 1.9 2.6l-2.3 8a2 2 0 0 1-1.9 1.4H4a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h2.8a2 2 0 0 0 1.8-1.1L12 2a3.1 3.1 0 0 1 3 3.9Z",
  ],
  thumbsDown: [
    "M17 14V2",
    "M9 18.1 10 14H4.2a2 2 0 0 1-1.9-2.6l2.3-8A2 2 0 0 1 6.5 2H20a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-2.8a2 2 0 0 0-1.8 1.1L12 22a3.1 3.1 0 0 1-3-3.9Z",
  ],
  reload: ["M3 12a9 9 0 0 1 15.7-6L21 8", "M21 3v5h-5", "M21 12a9 9 0 0 1-15.7 6L3 16", "M8 16H3v5"],
  history: ["M3 12a9 9 0 1 0 2.6-6.4L3 8", "M3 3v5h5", "M12 7v5l4 2"],
  search: ["M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16Z", "M21 21l-4.3-4.3"],
  globe: ["M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20Z", "M2 12h20", "M12 2a15 15 0 0 1 0 20 15 15 0 0 1 0-20Z"],
  sparkle: ["M12 3l1.9 5.8a2 2 0 0 0 1.3 1.3L21 12l-5.8 1.9a2 2 0 0 0-1.3 1.3L12 21l-1.9-5.8a2 2 0 0 0-1.3-1.3L3 12l5.8-1.9a2 2 0 0 0 1.3-1.3Z"],
  document: ["M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8Z", "M14 2v6h6", "M8 13h8", "M8 17h5"],
  lightbulb: ["M9 18h6", "M10 22h4", "M12 2a7 7 0 0 0-4 12.7V16h8v-1.3A7 7 0 0 0 12 2Z"],
  info: ["M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20Z", "M12 16v-4", "M12 8h.01"],
  warning: ["M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z", "M12 9v4", "M12 17h.01"],
  error: ["M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20Z", "M12 8v4", "M12 16h.01"],
  clock: ["M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20Z", "M12 6v6l4 2"],
  chart: ["M3 3v18h18", "M18 17V9", "M13 17V5", "M8 17v-3"],
  code: ["M16 18l6-6-6-6", "M8 6l-6 6 6 6"],
  image: ["M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Z", "M9 11a2 2 0 1 0 0-4 2 2 0 0 0 0 4Z", "M21 15l-3.1-3.1a2 2 0 0 0-2.8 0L6 21"],
  tool: ["M14.7 6.3a1 1 0 0 0 0 1.4l1.6 1.6a1 1 0 0 0 1.4 0l3.8-3.8a6 6 0 0 1-7.9 7.9l-6.9 6.9a2.1 2.1 0 0 1-3-3l6.9-6.9a6 6 0 0 1 7.9-7.9Z"],
  trash: ["M3 6h18", "M19 6v14a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V6", "M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2"],
  pencil: ["M17 3a2.8 2.8 0 1 1 4 4L7.5 20.5 2 22l1.5-5.5Z"],
  close: ["M18 6 6 18", "M6 6l12 12"],
  user: ["M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8Z", "M4 21a8 8 0 0 1 16 0"],
  quote: ["M3 21c3 0 7-1 7-8V5c0-1.3-.8-2-2-2H4c-1.3 0-2 .7-2 2v6c0 1.3.7 2 2 2h3", "M14 21c3 0 7-1 7-8V5c0-1.3-.8-2-2-2h-4c-1.3 0-2 .7-2 2v6c0 1.3.7 2 2 2h3"],
  paperclip: ["M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5"],
} as const;

export type IconId = keyof typeof PATHS | "dot" | "stop";

export function Icon({ name, size = 16, class: className }: { name: IconId; size?: number; class?: string }) {
  const cls = `ckw-icon${className ? ` ${className}` : ""}`;
  if (name === "dot") {
    return (
      <svg class={cls} width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
        <circle cx="12" cy="12" r="3.5" fill="currentColor" />
      </svg>
    );
  }
  if (name === "stop") {
    return (
      <svg class={cls} width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
        <rect x="6" y="6" width="12" height="12" rx="2" fill="currentColor" />
      </svg>
    );
  }
  return (
    <svg
      class={cls}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
    >
      {PATHS[name].map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  );
}

const CHATKIT_ICONS: Record<string, IconId> = {
  search: "search",
  globe: "globe",
  compass: "globe",
  "map-pin": "globe",
  maps: "globe",
  check: "check",
  "check-circle": "check",
  "check-circle-filled": "check",
  sparkle: "sparkle",
  "sparkle-double": "sparkle",
  atom: "sparkle",
  bolt: "sparkle",
  lab: "sparkle",
  agent: "sparkle",
  confetti: "sparkle",
  star: "sparkle",
  "star-filled": "sparkle",
  wreath: "sparkle",
  document: "document",
  "page-blank": "document",
  notebook: "document",
  "notebook-pencil": "document",
  "book-open": "document",
  "book-closed": "document",
  "square-text": "document",
  write: "pencil",
  "write-alt": "pencil",
  "write-alt2": "pencil",
  lightbulb: "lightbulb",
  info: "info",
  "circle-question": "info",
  lifesaver: "info",
  clock: "clock",
  "book-clock": "clock",
  calendar: "clock",
  reload: "reload",
  chart: "chart",
  analytics: "chart",
  "square-code": "code",
  code: "code",
  bug: "code",
  cube: "code",
  batch: "code",
  images: "image",
  "square-image": "image",
  "settings-slider": "tool",
  keys: "tool",
  profile: "user",
  "profile-card": "user",
  user: "user",
  name: "user",
  mail: "document",
  upload: "arrowUp",
  "external-link": "arrowUp",
  play: "chevronRight",
  "chevron-right": "chevronRight",
  plus: "compose",
};

/** Our glyph for a ChatKit icon name; unknown names (vendor:, lucide:, new ones) get a dot. */
export function chatkitIcon(name: string | undefined | null): IconId {
  return (name && CHATKIT_ICONS[name]) || "dot";
}

export function Spinner({ label }: { label?: string }) {
  return <span class="ckw-spinner" role={label ? "img" : undefined} aria-label={label} aria-hidden={label ? undefined : "true"} />;
}
