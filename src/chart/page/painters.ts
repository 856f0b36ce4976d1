// How each drawn layer looks: lines (confirmed solid, provisional dashed), boxes (confirmed with a
// solid border, provisional dashed and paler), merged bars (outlined boxes over their bars).
import type { Projection } from './canvas-layer.js';
import { lowerBound } from '../../core/search.js';
import type { Boxes, Decoded, Lines } from './decode.js';

export interface LineStyle {
  readonly color: string;
  /** Width in CSS pixels. */
  readonly width: number;
}

export function paintLines(p: Projection, lines: Lines, style: LineStyle): void {
  const { ctx } = p;
  ctx.save();
  ctx.strokeStyle = style.color;
  ctx.lineWidth = Math.max(1, Math.round(style.width * p.pixelRatio));
  for (const provisional of [0, 1]) {
    ctx.setLineDash(provisional ? [6 * p.pixelRatio, 5 * p.pixelRatio] : []);
    ctx.lineCap = provisional ? 'butt' : 'round';
    ctx.beginPath();
    // Lines are consecutive in time: from the first reaching into view to the last starting in it.
    for (let k = lowerBound(lines.end, p.from - 1); k < lines.count && lines.start[k]! <= p.to + 1; k++) {
      if (lines.provisional[k] !== provisional) continue;
      ctx.moveTo(p.x(lines.start[k]!), p.y(lines.startPrice[k]!));
      ctx.lineTo(p.x(lines.end[k]!), p.y(lines.endPrice[k]!));
    }
    ctx.stroke();
  }
  ctx.restore();
}

export interface BoxStyle {
  readonly color: string;
  /** Fill of a confirmed box (a provisional one is filled at half the opacity). */
  readonly fill: string;
}

/** Pivots: the box from the first to the last bar, low to high. Borders are whole pixels, so they carry the exact colour. */
export function paintBoxes(p: Projection, boxes: Boxes, style: BoxStyle): void {
  const { ctx } = p;
  const w = Math.max(1, Math.round(2 * p.pixelRatio));
  ctx.save();
  for (let k = 0; k < boxes.count; k++) {
    if (boxes.end[k]! < p.from - 1 || boxes.start[k]! > p.to + 1) continue;
    const x0 = Math.round(p.x(boxes.start[k]!)),
      x1 = Math.round(p.x(boxes.end[k]!)),
      y0 = Math.round(p.y(boxes.high[k]!)),
      y1 = Math.round(p.y(boxes.low[k]!));
    const provisional = boxes.provisional[k] === 1;
    ctx.globalAlpha = provisional ? 0.5 : 1;
    ctx.fillStyle = style.fill;
    ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    ctx.globalAlpha = 1;
    if (provisional) {
      ctx.strokeStyle = style.color;
      ctx.lineWidth = w;
      ctx.setLineDash([5 * p.pixelRatio, 4 * p.pixelRatio]);
      ctx.strokeRect(x0 + w / 2, y0 + w / 2, x1 - x0 - w, y1 - y0 - w);
      ctx.setLineDash([]);
    } else {
      ctx.fillStyle = style.color;
      ctx.fillRect(x0, y0, x1 - x0, w);
      ctx.fillRect(x0, y1 - w, x1 - x0, w);
      ctx.fillRect(x0, y0, w, y1 - y0);
      ctx.fillRect(x1 - w, y0, w, y1 - y0);
    }
  }
  ctx.restore();
}

/** Merged bars: each an outlined box over the bars it absorbed, from its low to its high. */
export function paintMerged(p: Projection, merged: NonNullable<Decoded['merged']>, style: BoxStyle): void {
  const { ctx } = p;
  ctx.save();
  ctx.fillStyle = style.fill;
  ctx.strokeStyle = style.color;
  ctx.lineWidth = Math.max(1, Math.round(p.pixelRatio));
  ctx.beginPath();
  for (let k = lowerBound(merged.end, p.from - 1); k < merged.count && merged.start[k]! <= p.to + 1; k++) {
    const x0 = p.x(merged.start[k]! - 0.45),
      x1 = p.x(merged.end[k]! + 0.45),
      y0 = p.y(merged.high[k]!),
      y1 = p.y(merged.low[k]!);
    ctx.rect(x0, y0, x1 - x0, y1 - y0);
  }
  ctx.fill();
  ctx.stroke();
  ctx.restore();
}

export interface MacdStyle {
  readonly up: string;
  readonly down: string;
  readonly dif: string;
  readonly dea: string;
}

/**
 * The MACD: histogram bars coloured by sign, DIF and DEA lines. Zoomed out below a pixel per bar,
 * each pixel column draws the extremes of its bars, so the cost stays that of the visible width.
 */
export function paintMacd(p: Projection, macd: Decoded['macd'], style: MacdStyle): void {
  const { ctx } = p;
  const n = macd.histogram.length;
  const j0 = Math.max(0, Math.floor(p.from) - 1 - macd.first),
    j1 = Math.min(n - 1, Math.ceil(p.to) + 1 - macd.first);
  if (j1 < j0) return;
  const spacing = p.x(1) - p.x(0);
  const zero = Math.round(p.y(0));
  const half = Math.max(0.5, spacing * 0.3);
  ctx.save();
  for (const positive of [true, false]) {
    ctx.fillStyle = positive ? style.up : style.down;
    ctx.beginPath();
    let col = NaN,
      peak = 0;
    const flush = () => {
      if (peak !== 0) {
        const y = Math.round(p.y(peak));
        ctx.rect(Math.round(col - half), Math.min(y, zero), Math.max(1, Math.round(2 * half)), Math.max(1, Math.abs(y - zero)));
      }
    };
    for (let j = j0; j <= j1; j++) {
      const h = macd.histogram[j]!;
      const x = spacing >= 1 ? p.x(macd.first + j) : Math.floor(p.x(macd.first + j));
      if (x !== col) {
        flush();
        col = x;
        peak = 0;
      }
      if (positive ? h > peak : h < peak) peak = h;
    }
    flush();
    ctx.fill();
  }
  ctx.lineWidth = Math.max(1, Math.round(p.pixelRatio));
  for (const [values, color] of [
    [macd.dif, style.dif],
    [macd.dea, style.dea],
  ] as const) {
    ctx.strokeStyle = color;
    ctx.beginPath();
    let col = NaN,
      lo = 0,
      hi = 0,
      started = false;
    const flush = () => {
      if (Number.isNaN(col)) return;
      const a = p.y(hi),
        b = p.y(lo);
      if (!started) ctx.moveTo(col, a);
      else ctx.lineTo(col, a);
      if (b !== a) ctx.lineTo(col, b);
      started = true;
    };
    for (let j = j0; j <= j1; j++) {
      const v = values[j]!;
      const x = spacing >= 1 ? p.x(macd.first + j) : Math.floor(p.x(macd.first + j));
      if (x !== col) {
        flush();
        col = x;
        lo = hi = v;
      } else {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    flush();
    ctx.stroke();
  }
  ctx.restore();
}

/** The range of the MACD's values over bars `from` to `to`, zero included. */
export function macdRange(macd: Decoded['macd'], from: number, to: number): { min: number; max: number } | null {
  const j0 = Math.max(0, Math.floor(from) - macd.first),
    j1 = Math.min(macd.histogram.length - 1, Math.ceil(to) - macd.first);
  if (j1 < j0) return null;
  let min = 0,
    max = 0;
  for (const values of [macd.dif, macd.dea, macd.histogram]) {
    for (let j = j0; j <= j1; j++) {
      const v = values[j]!;
      if (v < min) min = v;
      else if (v > max) max = v;
    }
  }
  return { min, max };
}

type Range = { min: number; max: number } | null;
const widen = (r: Range, lo: number, hi: number): Range =>
  r === null ? { min: lo, max: hi } : { min: Math.min(r.min, lo), max: Math.max(r.max, hi) };

/** The prices of the lines reaching into bars `from` to `to`. */
export function linesRange(lines: Lines, from: number, to: number): Range {
  let r: Range = null;
  for (let k = lowerBound(lines.end, from); k < lines.count && lines.start[k]! <= to; k++) {
    r = widen(r, Math.min(lines.startPrice[k]!, lines.endPrice[k]!), Math.max(lines.startPrice[k]!, lines.endPrice[k]!));
  }
  return r;
}

/** The prices of the boxes reaching into bars `from` to `to`. */
export function boxesRange(boxes: Boxes, from: number, to: number): Range {
  let r: Range = null;
  for (let k = 0; k < boxes.count; k++) if (boxes.end[k]! >= from && boxes.start[k]! <= to) r = widen(r, boxes.low[k]!, boxes.high[k]!);
  return r;
}

/** The prices of the merged bars reaching into bars `from` to `to`. */
export function mergedRange(merged: NonNullable<Decoded['merged']>, from: number, to: number): Range {
  let r: Range = null;
  for (let k = lowerBound(merged.end, from); k < merged.count && merged.start[k]! <= to; k++) r = widen(r, merged.low[k]!, merged.high[k]!);
  return r;
}
