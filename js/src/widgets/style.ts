// ChatKit's layout and colour tokens mapped onto CSS. Numbers in spacing props (gap,
// padding, margin) are ChatKit spacing units of 4 px; numbers in size props (width,
// height, size, min*, max*) are pixels; strings are CSS, checked by `cssValue` first.
//
// Colours: tokens become `var(--ckw-w-…)` (widgets.css defines them for light and dark
// with `light-dark()`, so a Card's `theme` prop can force either); primitive tokens like
// `red-100` or `gray-900` come from one hue table; `{light, dark}` becomes `light-dark()`.

export type Style = Record<string, string>;

const UNIT_PX = 4;

/**
 * A CSS value from the server, or undefined when it could load something or escape its
 * property: model output is untrusted (`url(` would fetch from anywhere, `;` or braces
 * could end the declaration).
 */
export function cssValue(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (!text || text.length > 200) return undefined;
  if (/[;{}<>\\@!]|url\s*\(|image\s*\(|image-set|expression|attr\s*\(|var\s*\(\s*--(?!ckw-)/i.test(text)) return undefined;
  return text;
}

/** A spacing value: number → units of 4 px; string → CSS. */
export function space(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? `${value * UNIT_PX}px` : undefined;
  return cssValue(value);
}

/** A dimension: number → px; string → CSS. */
export function dim(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? `${value}px` : undefined;
  return cssValue(value);
}

function put(style: Style, key: string, value: string | undefined): void {
  if (value !== undefined) style[key] = value;
}

/** `padding` / `margin`: a value, or a {top,right,bottom,left,x,y} object. */
export function spacing(style: Style, prop: "padding" | "margin", value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== "object") return put(style, prop, space(value));
  const v = value as Record<string, unknown>;
  const side = (name: string, axis: string) => space(v[name] ?? v[axis]);
  put(style, `${prop}-top`, side("top", "y"));
  put(style, `${prop}-bottom`, side("bottom", "y"));
  put(style, `${prop}-left`, side("left", "x"));
  put(style, `${prop}-right`, side("right", "x"));
}

export const RADIUS: Record<string, string> = {
  none: "0",
  "2xs": "2px",
  xs: "4px",
  sm: "6px",
  md: "8px",
  lg: "10px",
  xl: "12px",
  "2xl": "16px",
  "3xl": "20px",
  "4xl": "24px",
  full: "9999px",
  "100%": "100%",
};

/** Sizes shared by boxes, images and charts. */
export function block(style: Style, n: Record<string, unknown>): void {
  put(style, "width", dim(n.width ?? n.size));
  put(style, "height", dim(n.height ?? n.size));
  put(style, "min-width", dim(n.minWidth ?? n.minSize));
  put(style, "min-height", dim(n.minHeight ?? n.minSize));
  put(style, "max-width", dim(n.maxWidth ?? n.maxSize));
  put(style, "max-height", dim(n.maxHeight ?? n.maxSize));
  put(style, "aspect-ratio", cssValue(n.aspectRatio));
  if (typeof n.radius === "string") put(style, "border-radius", RADIUS[n.radius]);
  spacing(style, "margin", n.margin);
  if (n.flex !== undefined) put(style, "flex", cssValue(n.flex));
}

const ALIGN: Record<string, string> = {
  start: "flex-start",
  center: "center",
  end: "flex-end",
  baseline: "baseline",
  stretch: "stretch",
};
const JUSTIFY: Record<string, string> = {
  start: "flex-start",
  center: "center",
  end: "flex-end",
  between: "space-between",
  around: "space-around",
  evenly: "space-evenly",
  stretch: "stretch",
};

/** The flex container props of Box, Row, Col, Form, Basic. */
export function boxStyle(n: Record<string, unknown>): Style {
  const style: Style = {};
  put(style, "gap", space(n.gap));
  spacing(style, "padding", n.padding);
  if (typeof n.align === "string") put(style, "align-items", ALIGN[n.align]);
  if (typeof n.justify === "string") put(style, "justify-content", JUSTIFY[n.justify]);
  if (n.wrap === "wrap" || n.wrap === "nowrap" || n.wrap === "wrap-reverse") style["flex-wrap"] = n.wrap;
  block(style, n);
  put(style, "background", color(n.background, "bg"));
  border(style, n.border);
  return style;
}

// --- colours ------------------------------------------------------------------------------------

const TEXT_TOKENS = new Set([
  "prose", "primary", "emphasis", "secondary", "tertiary", "success", "warning", "danger", "info", "discovery", "caution",
]);
const BG_TOKENS = new Set(["surface", "surface-secondary", "surface-tertiary", "surface-elevated", "surface-elevated-secondary"]);
const BORDER_TOKENS = new Set(["default", "subtle", "strong"]);

/** Hue and saturation of each primitive colour family (lightness comes from the step). */
const HUES: Record<string, [number, number]> = {
  gray: [220, 6],
  slate: [215, 16],
  red: [0, 78],
  orange: [24, 90],
  amber: [38, 92],
  yellow: [48, 92],
  lime: [84, 70],
  green: [142, 62],
  emerald: [160, 70],
  teal: [174, 66],
  cyan: [188, 80],
  sky: [199, 85],
  blue: [217, 85],
  indigo: [239, 75],
  violet: [258, 80],
  purple: [270, 72],
  fuchsia: [292, 75],
  pink: [330, 78],
  rose: [350, 80],
};

function stepLightness(step: number): number {
  // 0 → white-ish, 1000 → black-ish, on a curve close to common design palettes.
  const table: [number, number][] = [
    [0, 100], [25, 98.5], [50, 97], [100, 94], [150, 91], [200, 87], [300, 77], [400, 64],
    [500, 53], [600, 45], [700, 37], [800, 28], [900, 20], [950, 14], [1000, 8],
  ];
  for (let i = 1; i < table.length; i++) {
    const [s1, l1] = table[i] as [number, number];
    const [s0, l0] = table[i - 1] as [number, number];
    if (step <= s1) return l0 + ((step - s0) / (s1 - s0)) * (l1 - l0);
  }
  return 8;
}

function primitive(name: string, mode?: "light" | "dark"): string | undefined {
  const match = /^([a-z]+)-(\d{1,4})$/.exec(name);
  if (!match) return undefined;
  const family = HUES[match[1] as string];
  const step = Number(match[2]);
  if (!family || step > 1000) return undefined;
  const [h, s] = family;
  const light = `hsl(${h} ${s}% ${stepLightness(step).toFixed(1)}%)`;
  // Grays flip in dark mode, so "gray-900" text stays readable on a dark surface; hues
  // only get a little lighter.
  const darkStep = family[1] < 20 ? 1000 - step : Math.max(step - 100, 50);
  const dark = `hsl(${h} ${s}% ${stepLightness(darkStep).toFixed(1)}%)`;
  return mode === "light" ? light : mode === "dark" ? dark : `light-dark(${light}, ${dark})`;
}

type ColorRole = "text" | "bg" | "border" | "chart";

/**
 * A colour prop as CSS: a token of its role, a primitive token (`blue-500`, also
 * `alpha-10` for translucent ink), a theme pair, or a plain CSS colour.
 */
export function color(value: unknown, role: ColorRole, mode?: "light" | "dark"): string | undefined {
  if (value && typeof value === "object") {
    if (mode) return undefined; // no pairs inside pairs
    const pair = value as { light?: unknown; dark?: unknown };
    const light = color(pair.light, role, "light");
    const dark = color(pair.dark, role, "dark");
    if (light && dark) return `light-dark(${light}, ${dark})`;
    return light ?? dark;
  }
  if (typeof value !== "string") return undefined;
  const name = value.trim();
  if (role === "text" && TEXT_TOKENS.has(name)) return `var(--ckw-w-text-${name})`;
  if (role === "bg" && BG_TOKENS.has(name)) return `var(--ckw-w-${name})`;
  if (role === "border" && BORDER_TOKENS.has(name)) return `var(--ckw-w-border-${name})`;
  if (role === "chart" && CHART_COLORS.includes(name)) return `var(--ckw-w-chart-${name})`;
  // Tokens of the other roles still mean something sensible.
  if (TEXT_TOKENS.has(name)) return `var(--ckw-w-text-${name})`;
  if (BG_TOKENS.has(name)) return `var(--ckw-w-${name})`;
  const alpha = /^alpha-(\d{1,3})$/.exec(name);
  if (alpha) return `color-mix(in srgb, var(--ckw-w-ink) ${Math.min(Number(alpha[1]), 100)}%, transparent)`;
  return primitive(name, mode) ?? (/^[#a-z0-9(),.%\s/-]+$/i.test(name) ? cssValue(name) : undefined);
}

export const CHART_COLORS = ["blue", "purple", "orange", "green", "red", "yellow", "pink"];

// --- borders ------------------------------------------------------------------------------------

function borderValue(value: unknown): string | undefined {
  if (typeof value === "number") return `${value}px solid var(--ckw-w-border-default)`;
  if (!value || typeof value !== "object") return undefined;
  const b = value as { size?: unknown; color?: unknown; style?: unknown };
  const size = typeof b.size === "number" ? b.size : 1;
  const lineStyle = typeof b.style === "string" && /^[a-z]+$/.test(b.style) ? b.style : "solid";
  return `${size}px ${lineStyle} ${color(b.color, "border") ?? "var(--ckw-w-border-default)"}`;
}

/** `border`: px, a Border, or per-edge Borders. */
export function border(style: Style, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === "number" || (typeof value === "object" && "size" in (value as object))) {
    return put(style, "border", borderValue(value));
  }
  if (typeof value !== "object") return;
  const v = value as Record<string, unknown>;
  for (const [edge, axis] of [["top", "y"], ["bottom", "y"], ["left", "x"], ["right", "x"]] as const) {
    put(style, `border-${edge}`, borderValue(v[edge] ?? v[axis]));
  }
}

// --- text ----------------------------------------------------------------------------------------

const WEIGHTS: Record<string, string> = { normal: "400", medium: "500", semibold: "600", bold: "700" };
const TEXT_ALIGN: Record<string, string> = { start: "start", center: "center", end: "end" };

/** Colour, weight, alignment, clamping of Text, Title, Caption, Label. */
export function textStyle(n: Record<string, unknown>): Style {
  const style: Style = {};
  put(style, "color", color(n.color, "text"));
  if (typeof n.weight === "string") put(style, "font-weight", WEIGHTS[n.weight]);
  if (typeof n.textAlign === "string") put(style, "text-align", TEXT_ALIGN[n.textAlign]);
  if (n.italic === true) style["font-style"] = "italic";
  if (n.lineThrough === true) style["text-decoration"] = "line-through";
  if (typeof n.maxLines === "number" && n.maxLines > 0 && n.truncate !== true) {
    style["-webkit-line-clamp"] = String(Math.floor(n.maxLines));
    style.display = "-webkit-box";
    style["-webkit-box-orient"] = "vertical";
    style.overflow = "hidden";
  }
  if (typeof n.minLines === "number" && n.minLines > 0) style["min-height"] = `${n.minLines * 1.5}em`;
  put(style, "width", dim(n.width));
  return style;
}
