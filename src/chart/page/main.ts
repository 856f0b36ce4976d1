// The chart page: reads the chart data embedded in the file, draws it with lightweight-charts, wires
// the legend (layer switches) and the crosshair read-out. Bundled with the library into one script
// by scripts/build-chart-page.mjs; runs offline from file://.
import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  CrosshairMode,
  LineSeries,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { ChartData } from '../chart-data.js';
import { CanvasLayer } from './canvas-layer.js';
import { coveringAt, decode, type Decoded, type Lines, type Points } from './decode.js';
import { boxesRange, linesRange, macdRange, mergedRange, paintBoxes, paintLines, paintMacd, paintMerged } from './painters.js';

/** Colours of the layers (the browser tests read them from `window.chanChart.layers`). */
const COLORS = {
  up: '#089981',
  down: '#f23645',
  merged: '#78909c',
  pens: '#2962ff',
  segments: '#ff6d00',
  segmentsOfSegments: '#9c27b0',
  penPivots: '#f9a825',
  segmentPivots: '#6d4c41',
  buy: '#1b5e20',
  sell: '#b71c1c',
  dif: '#212121',
  dea: '#ff9800',
} as const;

/** A switchable layer, as the legend and the tests see it. */
export interface Layer {
  readonly key: string;
  readonly label: string;
  readonly color: string;
  readonly visible: boolean;
  setVisible(v: boolean): void;
}

const data = JSON.parse(document.getElementById('chan-chart-data')!.textContent!) as ChartData;
const d = decode(data);
const sec = (bar: number) => (d.time[bar]! / 1000) as UTCTimestamp;

const chart = createChart(document.getElementById('chart')!, {
  autoSize: true,
  layout: { attributionLogo: true, background: { color: '#ffffff' }, textColor: '#333333' },
  grid: { vertLines: { color: '#f0f3fa' }, horzLines: { color: '#f0f3fa' } },
  crosshair: { mode: CrosshairMode.Normal },
  // Seconds when the bars are that close, so intraday series show their times.
  timeScale: { minBarSpacing: 0.001, timeVisible: true, secondsVisible: hasSeconds(d.time) },
});

const candles = chart.addSeries(CandlestickSeries, {
  upColor: COLORS.up,
  downColor: COLORS.down,
  borderVisible: false,
  wickUpColor: COLORS.up,
  wickDownColor: COLORS.down,
  priceLineVisible: false,
});
candles.setData(
  Array.from({ length: d.count }, (_, i) => ({ time: sec(i), open: d.open[i]!, high: d.high[i]!, low: d.low[i]!, close: d.close[i]! })),
);

const layers: Layer[] = [seriesLayer('candles', 'candles', COLORS.up, candles)];

// The drawn layers hang on a series of their own (two points, drawn nothing): on the candles they
// would vanish, and lose their price range, whenever the candles are switched off.
const overlay = chart.addSeries(LineSeries, {
  lineVisible: false,
  crosshairMarkerVisible: false,
  priceLineVisible: false,
  lastValueVisible: false,
});
overlay.setData([...new Set([0, d.count - 1])].map((b) => ({ time: sec(b), value: d.close[b]! })));

function canvasLayer(key: string, label: string, color: string, visible: boolean, layer: CanvasLayer): void {
  overlay.attachPrimitive(layer);
  layer.setVisible(visible);
  layers.push({
    key,
    label,
    color,
    get visible() {
      return layer.visible;
    },
    setVisible: (v) => layer.setVisible(v),
  });
}

const merged = d.merged;
if (merged !== null) {
  const style = { color: COLORS.merged, fill: 'rgba(120, 144, 156, 0.12)' };
  canvasLayer(
    'merged',
    'merged bars',
    COLORS.merged,
    false,
    new CanvasLayer(
      'bottom',
      (p) => paintMerged(p, merged, style),
      (from, to) => mergedRange(merged, from, to),
    ),
  );
}
const penPivots = { color: COLORS.penPivots, fill: 'rgba(249, 168, 37, 0.16)' };
canvasLayer(
  'penPivots',
  'pen pivots',
  COLORS.penPivots,
  true,
  new CanvasLayer(
    'normal',
    (p) => paintBoxes(p, d.pivots.pen, penPivots),
    (from, to) => boxesRange(d.pivots.pen, from, to),
  ),
);
const segmentPivots = { color: COLORS.segmentPivots, fill: 'rgba(109, 76, 65, 0.10)' };
canvasLayer(
  'segmentPivots',
  'segment pivots',
  COLORS.segmentPivots,
  true,
  new CanvasLayer(
    'normal',
    (p) => paintBoxes(p, d.pivots.segment, segmentPivots),
    (from, to) => boxesRange(d.pivots.segment, from, to),
  ),
);
const lineLayer = (key: keyof typeof COLORS & keyof Decoded, label: string, width: number) =>
  canvasLayer(
    key,
    label,
    COLORS[key],
    true,
    new CanvasLayer(
      'normal',
      (p) => paintLines(p, d[key] as Lines, { color: COLORS[key], width }),
      (from, to) => linesRange(d[key] as Lines, from, to),
    ),
  );
lineLayer('pens', 'pens', 1.5);
lineLayer('segments', 'segments', 3);
lineLayer('segmentsOfSegments', 'segments of segments', 4.5);

markerLayer('penPoints', 'pen-level points (b1)', d.points.pen, false);
markerLayer('segmentPoints', 'segment-level points (B1)', d.points.segment, true);

// The MACD pane: drawn by a layer on a series without data (three series of every bar would
// double the time to first paint of a long series); the layer gives the pane its price range.
const macd = d.macd;
const macdHost = chart.addSeries(
  LineSeries,
  { lineVisible: false, crosshairMarkerVisible: false, priceLineVisible: false, lastValueVisible: false, priceFormat: macdFormat() },
  1,
);
// Two points (the library draws a series' layers only when it has data), on the zero line.
const macdEnds = [macd.first, d.count - 1].filter((b, i, all) => b < d.count && all.indexOf(b) === i);
macdHost.setData(macdEnds.map((b) => ({ time: sec(b), value: 0 })));
const macdStyle = { up: COLORS.up, down: COLORS.down, dif: COLORS.dif, dea: COLORS.dea };
const macdLayer = new CanvasLayer(
  'normal',
  (p) => paintMacd(p, macd, macdStyle),
  (from, to) => macdRange(macd, from, to),
);
macdHost.attachPrimitive(macdLayer);
chart.panes()[1]?.setStretchFactor(0.35);
layers.push({
  key: 'macd',
  label: 'MACD (DIF, DEA, histogram)',
  color: COLORS.dif,
  get visible() {
    return macdLayer.visible;
  },
  setVisible: (v) => macdLayer.setVisible(v),
});

// The last 2,000 bars of a long series, the whole of a short one; zoom out to see everything.
if (d.count > 4000) chart.timeScale().setVisibleLogicalRange({ from: d.count - 2000, to: d.count + 5 });
else chart.timeScale().fitContent();

buildLegend(document.getElementById('legend')!, layers);
const info = document.getElementById('info')!;
chart.subscribeCrosshairMove((param) => {
  const bar = param.logical === undefined ? d.count - 1 : Math.round(param.logical);
  info.textContent = describe(Math.min(d.count - 1, Math.max(0, bar)));
});
info.textContent = describe(d.count - 1);

// For the browser tests and scripts: the chart, its layers, the data as drawn.
(window as unknown as { chanChart: unknown }).chanChart = {
  chart,
  candles,
  macdSeries: macdHost,
  layers,
  data: d,
  firstBar: data.firstBar,
  colors: COLORS,
};
// Painted: after the frame that draws the data.
requestAnimationFrame(() => requestAnimationFrame(() => (document.documentElement.dataset['painted'] = String(performance.now()))));

function seriesLayer(key: string, label: string, color: string, series: ISeriesApi<'Candlestick'>): Layer {
  return {
    key,
    label,
    color,
    get visible() {
      return series.options().visible;
    },
    setVisible: (v) => series.applyOptions({ visible: v }),
  };
}

function markerLayer(key: string, label: string, pts: Points, segmentLevel: boolean): void {
  const markers: SeriesMarker<Time>[] = [];
  const order = Array.from({ length: pts.count }, (_, k) => k).sort((a, b) => pts.bar[a]! - pts.bar[b]!);
  for (const k of order) {
    const buy = pts.sides[k] === 'b';
    const side = segmentLevel ? (buy ? 'B' : 'S') : buy ? 'b' : 's';
    markers.push({
      time: sec(pts.bar[k]!),
      position: buy ? 'belowBar' : 'aboveBar',
      shape: segmentLevel ? (buy ? 'arrowUp' : 'arrowDown') : 'circle',
      color: (buy ? COLORS.buy : COLORS.sell) + (pts.provisional[k] ? '80' : ''),
      text:
        pts.types[k]!.split(',')
          .map((t) => side + t)
          .join(' ') + (pts.provisional[k] ? '?' : ''),
      size: segmentLevel ? 1.4 : 0.8,
    });
  }
  const plugin: ISeriesMarkersPluginApi<Time> = createSeriesMarkers(candles, markers);
  let shown = true;
  layers.push({
    key,
    label,
    color: COLORS.buy,
    get visible() {
      return shown;
    },
    setVisible(v) {
      shown = v;
      plugin.setMarkers(v ? markers : []);
    },
  });
}

function buildLegend(el: HTMLElement, all: readonly Layer[]): void {
  for (const layer of all) {
    const label = document.createElement('label');
    label.dataset['layer'] = layer.key;
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = layer.visible;
    box.addEventListener('change', () => layer.setVisible(box.checked));
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = layer.color;
    label.append(box, swatch, layer.label);
    el.append(label);
  }
}

/** The crosshair read-out: the bar, its MACD, and the pen and segment it lies on. */
function describe(bar: number): string {
  const f = (v: number) => (Number.isFinite(v) ? String(+v.toPrecision(8)) : '–');
  const parts = [
    `${new Date(d.time[bar]!).toISOString().replace('.000Z', 'Z').replace('T', ' ')}  bar ${data.firstBar + bar}`,
    `O ${f(d.open[bar]!)} H ${f(d.high[bar]!)} L ${f(d.low[bar]!)} C ${f(d.close[bar]!)}`,
  ];
  const j = bar - macd.first;
  if (j >= 0) parts.push(`MACD ${f(macd.dif[j]!)} / ${f(macd.dea[j]!)} / ${f(macd.histogram[j]!)}`);
  parts.push(lineInfo('pen', d.pens, bar), lineInfo('segment', d.segments, bar));
  return parts.filter(Boolean).join('   ·   ');
}

function lineInfo(name: string, lines: Lines, bar: number): string {
  const k = coveringAt(lines, bar);
  if (k < 0) return '';
  const a = lines.startPrice[k]!,
    b = lines.endPrice[k]!;
  return `${name} ${lines.index[k]} ${b > a ? 'up' : 'down'} ${+a.toPrecision(8)} → ${+b.toPrecision(8)}${lines.provisional[k] ? ' (provisional)' : ''}`;
}

/** Decimals for the MACD axis: about four significant digits of its largest value. */
function macdFormat() {
  let peak = 0;
  for (const v of macd.dif) peak = Math.max(peak, Math.abs(v));
  const precision = Math.min(8, Math.max(0, 3 - Math.floor(Math.log10(peak || 1))));
  return { type: 'price' as const, precision, minMove: 10 ** -precision };
}

function hasSeconds(time: Float64Array): boolean {
  for (let i = 0; i < time.length; i++) if (time[i]! % 60_000 !== 0) return true;
  return false;
}
