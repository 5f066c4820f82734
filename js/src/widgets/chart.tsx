// ChatKit's `Chart`: bar, line and area series over categorical x values, drawn as SVG by
// hand (a chart library would cost more bundle than the whole widget renderer). Supports
// stacking (`stack`), curves (linear, step*, and a monotone cubic for every smooth curve
// type), the y axis, x labels (`xAxis.labels`), legend, native tooltips, bar gaps, colours
// (chart tokens, primitives, CSS, {light, dark}) and the size props.

import type { VNode } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { block, CHART_COLORS, color, dim, type Style } from "./style";

interface Series {
  type: "bar" | "line" | "area";
  label?: string | null;
  dataKey: string;
  stack?: string | null;
  color?: unknown;
  curveType?: string | null;
}

const PAD = { top: 8, right: 8, bottom: 22, left: 36 };

function num(value: unknown): number {
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** Round ticks covering [min, max]. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (min === max) max = min + 1;
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = start; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if ((ticks[ticks.length - 1] ?? 0) < max) ticks.push(Number((start + step * ticks.length).toPrecision(12)));
  return ticks;
}

function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${+(value / 1e9).toFixed(1)}B`;
  if (abs >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${+(value / 1e3).toFixed(1)}k`;
  return String(+value.toFixed(2));
}

type Point = [number, number];

/** A tick label cut to fit its slot. */
function clip(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

/** The SVG path through `points` for a ChatKit curve type. */
export function curvePath(points: Point[], curve: string | null | undefined): string {
  if (points.length === 0) return "";
  const [first] = points as [Point];
  let d = `M${first[0]},${first[1]}`;
  if (curve === "step" || curve === "stepBefore" || curve === "stepAfter") {
    for (let i = 1; i < points.length; i++) {
      const [x0, y0] = points[i - 1] as Point;
      const [x1, y1] = points[i] as Point;
      if (curve === "stepBefore") d += `V${y1}H${x1}`;
      else if (curve === "stepAfter") d += `H${x1}V${y1}`;
      else d += `H${(x0 + x1) / 2}V${y1}H${x1}`;
      void y0;
    }
    return d;
  }
  if (!curve || curve === "linear" || curve === "linearClosed" || points.length < 3) {
    for (const [x, y] of points.slice(1)) d += `L${x},${y}`;
    return d;
  }
  // Monotone cubic (Fritsch–Carlson): smooth without overshooting the data.
  const n = points.length;
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    const [x0, y0] = points[i] as Point;
    const [x1, y1] = points[i + 1] as Point;
    slopes.push((y1 - y0) / (x1 - x0 || 1));
  }
  const tangents = points.map((_, i) => {
    if (i === 0) return slopes[0] as number;
    if (i === n - 1) return slopes[n - 2] as number;
    const a = slopes[i - 1] as number;
    const b = slopes[i] as number;
    return a * b <= 0 ? 0 : (2 * a * b) / (a + b);
  });
  for (let i = 0; i < n - 1; i++) {
    const [x0, y0] = points[i] as Point;
    const [x1, y1] = points[i + 1] as Point;
    const h = (x1 - x0) / 3;
    d += `C${x0 + h},${y0 + h * (tangents[i] as number)},${x1 - h},${y1 - h * (tangents[i + 1] as number)},${x1},${y1}`;
  }
  return d;
}

export function Chart({ node }: { node: Record<string, unknown> }): VNode {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(480);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.clientWidth) setWidth(el.clientWidth);
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => el.clientWidth && setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const data = (Array.isArray(node.data) ? node.data : []).filter((row) => row && typeof row === "object") as Record<string, unknown>[];
  const series = (Array.isArray(node.series) ? node.series : []).filter(
    (s): s is Series => !!s && typeof s === "object" && typeof (s as Series).dataKey === "string",
  );
  const axis = typeof node.xAxis === "string" ? { dataKey: node.xAxis } : ((node.xAxis ?? {}) as { dataKey?: string; hide?: boolean; labels?: Record<string, string> });
  const xKey = typeof axis.dataKey === "string" ? axis.dataKey : "";
  const showY = node.showYAxis !== false;
  const showX = axis.hide !== true;
  const ratio = typeof node.aspectRatio === "number" && node.aspectRatio > 0 ? node.aspectRatio : null;
  const height =
    typeof node.height === "number"
      ? node.height
      : typeof node.size === "number"
        ? node.size
        : ratio
          ? Math.max(Math.round(width / ratio), 60)
          : 200;
  const pad = { ...PAD, left: showY ? PAD.left : 8, bottom: showX ? PAD.bottom : 8 };
  const plotW = Math.max(width - pad.left - pad.right, 10);
  const plotH = Math.max(height - pad.top - pad.bottom, 10);

  const colors = series.map((s, i) => color(s.color, "chart") ?? `var(--ckw-w-chart-${CHART_COLORS[i % CHART_COLORS.length]})`);

  // Stacked values: each series' [low, high] per row.
  const spans: [number, number][][] = series.map(() => []);
  const stackTops = new Map<string, number[]>();
  series.forEach((s, si) => {
    data.forEach((row, ri) => {
      const v = num(row[s.dataKey]);
      if (s.stack && s.type !== "line") {
        const key = `${s.type === "bar" ? "bar" : "area"}:${s.stack}`;
        const tops = stackTops.get(key) ?? [];
        const low = tops[ri] ?? 0;
        tops[ri] = low + v;
        stackTops.set(key, tops);
        (spans[si] as [number, number][])[ri] = [low, low + v];
      } else {
        (spans[si] as [number, number][])[ri] = [0, v];
      }
    });
  });
  const all = spans.flat().flat();
  const ticks = niceTicks(Math.min(0, ...all), Math.max(0, ...all, 1));
  const lo = ticks[0] as number;
  const hi = ticks[ticks.length - 1] as number;
  const y = (v: number) => pad.top + plotH - ((v - lo) / (hi - lo || 1)) * plotH;
  const band = plotW / Math.max(data.length, 1);
  const cx = (i: number) => pad.left + band * (i + 0.5);

  // Bars: one slot per stack group (or per unstacked series) within each category.
  const barSeries = series.map((s, i) => ({ s, i })).filter(({ s }) => s.type === "bar");
  const slots: string[] = [];
  for (const { s, i } of barSeries) {
    const slot = s.stack ? `stack:${s.stack}` : `series:${i}`;
    if (!slots.includes(slot)) slots.push(slot);
  }
  const categoryGap = typeof node.barCategoryGap === "number" ? node.barCategoryGap : Math.min(band * 0.2, 16);
  const barGap = typeof node.barGap === "number" ? node.barGap : 4;
  const slotW = Math.max((band - categoryGap - barGap * (slots.length - 1)) / Math.max(slots.length, 1), 1);

  const tooltip = node.showTooltip !== false;
  const label = (row: Record<string, unknown>) => {
    const raw = String(row[xKey] ?? "");
    return axis.labels?.[raw] ?? raw;
  };
  const shapes: VNode[] = [];
  series.forEach((s, si) => {
    const fill = colors[si] as string;
    const span = spans[si] as [number, number][];
    if (s.type === "bar") {
      const slot = slots.indexOf(s.stack ? `stack:${s.stack}` : `series:${si}`);
      data.forEach((row, ri) => {
        const [a, b] = span[ri] as [number, number];
        const x = pad.left + band * ri + categoryGap / 2 + slot * (slotW + barGap);
        const top = y(Math.max(a, b));
        shapes.push(
          <rect key={`b${si}-${ri}`} class="ckw-w-chart-bar" x={x} y={top} width={slotW} height={Math.max(Math.abs(y(a) - y(b)), 0.5)} rx={Math.min(4, slotW / 4)} fill={fill}>
            {tooltip ? <title>{`${label(row)} · ${s.label ?? s.dataKey}: ${num(row[s.dataKey])}`}</title> : null}
          </rect>,
        );
      });
      return;
    }
    const top: Point[] = data.map((_, ri): Point => [cx(ri), y((span[ri] as [number, number])[1])]);
    const line = curvePath(top, s.curveType);
    if (s.type === "area") {
      const base: Point[] = data.map((_, ri): Point => [cx(ri), y((span[ri] as [number, number])[0])]).reverse();
      const back = curvePath(base, s.curveType).replace(/^M/, "L");
      shapes.push(<path key={`a${si}`} class="ckw-w-chart-area" d={`${line}${back}Z`} fill={fill} fill-opacity="0.25" stroke="none" />);
    }
    shapes.push(<path key={`l${si}`} class="ckw-w-chart-line" d={line} fill="none" stroke={fill} stroke-width="2" />);
    if (tooltip) {
      data.forEach((row, ri) => {
        const [px, py] = top[ri] as Point;
        shapes.push(
          <circle key={`p${si}-${ri}`} cx={px} cy={py} r={s.type === "line" ? 3 : 2.5} fill={fill}>
            <title>{`${label(row)} · ${s.label ?? s.dataKey}: ${num(row[s.dataKey])}`}</title>
          </circle>,
        );
      });
    }
  });

  const style: Style = {};
  block(style, { ...node, height: undefined, size: undefined });
  const h = dim(node.height ?? node.size);
  const everyNth = Math.max(1, Math.ceil(data.length / Math.max(plotW / 56, 1)));
  return (
    <div class="ckw-w-chart" ref={ref} style={style}>
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Chart" style={h && typeof node.height === "string" ? { height: h } : undefined}>
        {showY
          ? ticks.map((t) => (
              <g key={`t${t}`} class="ckw-w-chart-tick">
                <line x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} />
                <text x={pad.left - 6} y={y(t)} dy="0.32em" text-anchor="end">
                  {formatTick(t)}
                </text>
              </g>
            ))
          : null}
        {shapes}
        {showX
          ? data.map((row, ri) =>
              ri % everyNth === 0 ? (
                <text key={`x${ri}`} class="ckw-w-chart-xlabel" x={cx(ri)} y={height - 6} text-anchor="middle">
                  {clip(label(row), Math.max(3, Math.floor((band * everyNth) / 6.5)))}
                </text>
              ) : null,
            )
          : null}
      </svg>
      {node.showLegend === true || (node.showLegend !== false && series.length > 1) ? (
        <div class="ckw-w-chart-legend">
          {series.map((s, si) => (
            <span key={si} class="ckw-w-chart-legend-item">
              <span class="ckw-w-chart-swatch" style={{ background: colors[si] }} />
              {s.label ?? s.dataKey}
            </span>
          ))}
        </div>
      ) : null}
    </div>
  );
}
