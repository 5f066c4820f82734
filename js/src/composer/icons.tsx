// The composer's own icons (same drawing style as ../icons).

const PATHS = {
  mic: ["M12 2a3 3 0 0 0-3 3v7a3 3 0 0 0 6 0V5a3 3 0 0 0-3-3Z", "M19 10v2a7 7 0 0 1-14 0v-2", "M12 19v3"],
  chevronDown: ["M6 9l6 6 6-6"],
  plus: ["M12 5v14", "M5 12h14"],
} as const;

export type ComposerIconId = keyof typeof PATHS;

export function ComposerIcon({ name, size = 16 }: { name: ComposerIconId; size?: number }) {
  return (
    <svg
      class="ckw-icon"
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
