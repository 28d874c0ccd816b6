/**
 * @module serve/live/page/chart
 * The upset-volume chart as inline SVG (no chart library, no network): one line per channel of
 * upset inbound messages per bucket (1 or 5 minutes, or an hour), all inbound messages as a grey
 * area behind them, crisis periods as shaded bands, spikes as coloured bars in lanes above the plot
 * (one lane per channel) with their peak marked, a time axis in UTC. Used by the live page and by
 * reports.
 *
 * @example
 * const svg = volumeChart({ from, to, bucketMs: 60_000, series: [{ name: 'chat', color: '#2563eb', points }] });
 */
import { formatClock, formatDayTime } from './format.js';
import { h, type VNode } from './vnode.js';

export interface ChartSeries {
  name: string;
  color: string;
  points: { t: number; v: number }[];
}

export interface ChartBand {
  from: number;
  to: number;
  color: string;
  label?: string;
  /** Spikes: the lane (channel) the bar is drawn in. */
  lane?: string;
  /** Optional marker inside the band (a spike's peak). */
  peak?: number | null;
  kind: 'period' | 'spike';
}

export interface VolumeChartOptions {
  from: number;
  to: number;
  bucketMs: number;
  series: ChartSeries[];
  /** Drawn as a light area behind the lines (all inbound messages, for context). */
  background?: ChartSeries;
  bands?: ChartBand[];
  width?: number;
  height?: number;
  title?: string;
  yLabel?: string;
  /** A vertical "now" line (live). */
  now?: number | null;
}

const STEPS_MS = [60_000, 5 * 60_000, 10 * 60_000, 15 * 60_000, 30 * 60_000, 3_600_000, 2 * 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 2 * 86_400_000, 7 * 86_400_000];

/** A round tick step giving about `n` ticks. */
function timeStep(spanMs: number, n: number): number {
  return STEPS_MS.find((s) => spanMs / s <= n) ?? STEPS_MS.at(-1)!;
}

function niceMax(v: number): { max: number; step: number } {
  if (v <= 0) return { max: 4, step: 1 };
  const raw = v / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { max: Math.ceil(v / step) * step, step };
}

/** Fills buckets without data with 0, so a quiet minute draws as 0 rather than a straight line over it. */
export function fillBuckets(points: { t: number; v: number }[], from: number, to: number, bucketMs: number): { t: number; v: number }[] {
  const byT = new Map(points.map((p) => [p.t, p.v]));
  const start = Math.floor(from / bucketMs) * bucketMs;
  const out: { t: number; v: number }[] = [];
  // Bounded: a chart never draws more than 2,000 buckets per line.
  const step = Math.max(bucketMs, Math.ceil((to - start) / 2000 / bucketMs) * bucketMs);
  for (let t = start; t <= to; t += step) {
    let v = 0;
    for (let u = t; u < t + step; u += bucketMs) v += byT.get(u) ?? 0;
    out.push({ t, v });
  }
  return out;
}

const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

export function volumeChart(o: VolumeChartOptions): VNode {
  const width = o.width ?? 960;
  const height = o.height ?? 260;
  // One lane per spiking channel above the plot, so overlapping spikes stay readable.
  const laneOf = new Map<string, number>();
  for (const b of o.bands ?? []) if (b.kind === 'spike' && !laneOf.has(b.lane ?? '')) laneOf.set(b.lane ?? '', laneOf.size);
  const LANE = 9;
  const lanesTop = 18;
  const m = { left: 40, right: 12, top: lanesTop + laneOf.size * LANE + (laneOf.size ? 4 : 0), bottom: 26 };
  const iw = width - m.left - m.right;
  const ih = height - m.top - m.bottom;
  const span = Math.max(o.to - o.from, 60_000);
  const x = (t: number) => m.left + ((t - o.from) / span) * iw;
  const lines = o.series.map((s) => ({ ...s, points: fillBuckets(s.points, o.from, o.to, o.bucketMs) }));
  const back = o.background ? { ...o.background, points: fillBuckets(o.background.points, o.from, o.to, o.bucketMs) } : undefined;
  const top = Math.max(0, ...lines.flatMap((s) => s.points.map((p) => p.v)), ...(back?.points.map((p) => p.v) ?? []));
  const { max, step } = niceMax(top);
  const y = (v: number) => m.top + ih - (v / max) * ih;
  const clampX = (t: number) => Math.min(Math.max(x(t), m.left), m.left + iw);

  const grid: VNode[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) {
    grid.push(h('line', { x1: m.left, x2: m.left + iw, y1: fmt(y(v)), y2: fmt(y(v)), class: 'grid' }));
    grid.push(h('text', { x: m.left - 6, y: fmt(y(v) + 4), 'text-anchor': 'end', class: 'tick' }, String(Math.round(v * 100) / 100)));
  }
  const ts = timeStep(span, Math.max(3, Math.floor(iw / 90)));
  const multiDay = span > 36 * 3_600_000;
  for (let t = Math.ceil(o.from / ts) * ts; t <= o.to; t += ts) {
    grid.push(h('line', { x1: fmt(x(t)), x2: fmt(x(t)), y1: m.top + ih, y2: m.top + ih + 4, class: 'axis' }));
    grid.push(h('text', { x: fmt(x(t)), y: height - 8, 'text-anchor': 'middle', class: 'tick' }, multiDay ? formatDayTime(t) : formatClock(t)));
  }

  const bands: VNode[] = [];
  const lanes: VNode[] = [];
  for (const [name, i] of laneOf) {
    lanes.push(h('text', { x: m.left - 6, y: fmt(lanesTop + i * LANE + 7), 'text-anchor': 'end', class: 'lane-label' }, name));
  }
  for (const b of o.bands ?? []) {
    if (b.kind === 'spike') {
      const x1 = clampX(b.from);
      const x2 = clampX(b.to);
      const top = lanesTop + (laneOf.get(b.lane ?? '') ?? 0) * LANE;
      lanes.push(
        h(
          'g',
          { class: 'band band-spike', 'data-lane': b.lane ?? '' },
          h('rect', { x: fmt(x1), y: top, width: fmt(Math.max(x2 - x1, 2)), height: LANE - 2, rx: 2, fill: b.color }, h('title', null, b.label ?? 'spike')),
          b.peak != null && b.peak >= o.from && b.peak <= o.to
            ? h('line', { x1: fmt(x(b.peak)), x2: fmt(x(b.peak)), y1: top, y2: m.top + ih, class: 'peak', stroke: b.color }, h('title', null, `peak ${formatClock(b.peak)} UTC`))
            : null,
        ),
      );
      continue;
    }
    const x1 = clampX(b.from);
    const x2 = clampX(b.to);
    if (x2 - x1 < 0.5 && b.kind === 'period') continue;
    const w = Math.max(x2 - x1, 2);
    bands.push(
      h(
        'g',
        { class: `band band-${b.kind}` },
        h('rect', { x: fmt(x1), y: m.top, width: fmt(w), height: ih, fill: b.color, 'fill-opacity': b.kind === 'period' ? 0.08 : 0.16 }),
        b.label ? h('text', { x: fmt(x1 + 3), y: 12, class: `band-label`, fill: b.color }, b.label) : null,
      ),
    );
  }

  const paths = lines.map((s) => {
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${fmt(x(p.t))},${fmt(y(p.v))}`).join('');
    return h('path', { d: d || 'M0,0', fill: 'none', stroke: s.color, 'stroke-width': 1.6, 'stroke-linejoin': 'round', class: 'series', 'data-series': s.name }, h('title', null, s.name));
  });
  const area =
    back && back.points.length > 0
      ? h(
          'path',
          {
            d: `M${fmt(x(back.points[0]!.t))},${fmt(y(0))}${back.points.map((p) => `L${fmt(x(p.t))},${fmt(y(p.v))}`).join('')}L${fmt(x(back.points.at(-1)!.t))},${fmt(y(0))}Z`,
            fill: back.color,
            'fill-opacity': 0.35,
            stroke: 'none',
            class: 'background',
            'data-series': back.name,
          },
          h('title', null, back.name),
        )
      : null;
  const nowLine =
    o.now != null && o.now >= o.from && o.now <= o.to
      ? h('line', { x1: fmt(x(o.now)), x2: fmt(x(o.now)), y1: m.top, y2: m.top + ih, class: 'now' })
      : null;

  return h(
    'svg',
    {
      xmlns: 'http://www.w3.org/2000/svg',
      viewBox: `0 0 ${width} ${height}`,
      width: '100%',
      role: 'img',
      'aria-label': o.title ?? 'upset inbound messages per minute by channel',
      class: 'chart',
      preserveAspectRatio: 'xMidYMid meet',
    },
    h('title', null, o.title ?? 'Upset inbound messages per minute, by channel'),
    bands,
    lanes,
    grid,
    area,
    h('line', { x1: m.left, x2: m.left + iw, y1: m.top + ih, y2: m.top + ih, class: 'axis' }),
    paths,
    nowLine,
    o.yLabel ? h('text', { x: 4, y: 11, class: 'tick' }, o.yLabel) : null,
  );
}
