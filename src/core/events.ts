// Streaming events: the public StreamEvent type and the numeric event records both kernels write
// (engines/ts/events.ts, assembly/events.ts); readEvents turns records into StreamEvent objects.
//
// A record is EVENT_SLOTS numbers: type, global index, then the shape of the pen or segment.
// Shapes hold what a Pen or Segment is built from except times (the host has the bars):
//   pen:     startMerged, endMerged, dir, confirmed, startRaw, endRaw, startPrice, endPrice, wasConfirmed
//   segment: startPen, endPen, dir, confirmed, startRaw, endRaw, startPrice, endPrice, endCase
// Indices in shapes are global (the bases follow the window's drops).
import type { Level } from './structure-options.js';
import type { BuySellPoint, Pen, Pivot, Segment } from './types.js';

export const EVENT_SLOTS = 12;
export const PEN_SLOTS = 9,
  SEG_SLOTS = 9;
/** The pen slots a Pen shows (wasConfirmed, confirmed before a provisional extension, is not compared). */
export const PEN_SHOWN = 8;
// Event type codes (1-based; 0 is no event).
const TYPES = [
  '',
  'pen_confirmed',
  'pen_extended',
  'pen_provisional',
  'segment_confirmed',
  'segment_provisional',
  'pen_removed',
  'segment_removed',
] as const;
export const PEN_CONFIRMED = 1,
  PEN_EXTENDED = 2,
  PEN_PROVISIONAL = 3,
  SEGMENT_CONFIRMED = 4,
  SEGMENT_PROVISIONAL = 5,
  PEN_REMOVED = 6,
  SEGMENT_REMOVED = 7;

/**
 * What changed with a bar, so a consumer can react without diffing. Pens and segments are reported
 * with their index; a later event for the same index replaces the earlier one.
 * - pen_confirmed: a pen now satisfies the full definition (a new pen, or the last confirmed pen back
 *   at its end after a replaced bar took back a provisional extension)
 * - pen_extended: the last confirmed pen now ends at a more extreme fractal (usually after a
 *   pen_provisional showed it reaching that bar)
 * - pen_provisional: the provisional pen (to the last bar) appeared or moved
 * - segment_confirmed / segment_provisional: likewise for segments
 * - pen_removed / segment_removed: a provisional pen or segment no longer exists
 */
export type StreamEvent =
  | { readonly type: 'pen_confirmed' | 'pen_extended' | 'pen_provisional'; readonly pen: Pen }
  | { readonly type: 'segment_confirmed' | 'segment_provisional'; readonly segment: Segment }
  | { readonly type: 'pen_removed' | 'segment_removed'; readonly index: number }
  | StructureEvent;

/**
 * What changed in the structures (pivots and buy/sell points of a level) with a bar.
 * - pivot_formed: a new pivot; pivot_changed: it grew, moved or merged; pivot_confirmed: its parent
 *   was confirmed; pivot_removed: it no longer exists (a later event for the index replaces an earlier)
 * - point_appeared / point_changed: a point on a line appeared, or moved, gained a type or changed
 *   otherwise (points are keyed by their line); point_withdrawn: the line has no point any more, with
 *   the reason: the line no longer exists, the line changed, or (the line unchanged) the rules no
 *   longer give one (a pivot or a later line changed, the divergence failed)
 */
export type StructureEvent =
  | { readonly type: 'pivot_formed' | 'pivot_changed' | 'pivot_confirmed'; readonly level: Level; readonly pivot: Pivot }
  | { readonly type: 'pivot_removed'; readonly level: Level; readonly index: number }
  | { readonly type: 'point_appeared' | 'point_changed'; readonly level: Level; readonly point: BuySellPoint }
  | { readonly type: 'point_withdrawn'; readonly level: Level; readonly line: number; readonly reason: WithdrawReason };

export type WithdrawReason = 'line_removed' | 'line_changed' | 'rules';

/** The events of a bar that changed nothing (one list shared by every such update). */
const NO_EVENTS: readonly StreamEvent[] = Object.freeze([]);

/**
 * `n` event records from r[at] on, as objects; times come from `timestamp` (index 0 is global raw bar
 * `rawBase`). Indices are truncated to int32 (`| 0`: they are below 2^31, the WASM kernel's limit)
 * so V8 stores them untagged instead of boxing each as a heap number: over a quarter less garbage per
 * event (288 to 207 bytes measured).
 */
export function readEvents(r: Float64Array, at: number, n: number, timestamp: Float64Array, rawBase: number): readonly StreamEvent[] {
  if (n === 0) return NO_EVENTS;
  const out: StreamEvent[] = new Array(n);
  for (let j = 0; j < n; j++) {
    const o = at + j * EVENT_SLOTS;
    const code = r[o]!,
      index = r[o + 1]! | 0;
    const startRaw = r[o + 6]! | 0,
      endRaw = r[o + 7]! | 0;
    const direction = r[o + 4] === 1 ? 'up' : 'down';
    const confirmed = r[o + 5] === 1;
    const startTime = timestamp[startRaw - rawBase]!,
      endTime = timestamp[endRaw - rawBase]!;
    if (code <= PEN_PROVISIONAL) {
      const pen: Pen = {
        index,
        direction,
        startMerged: r[o + 2]! | 0,
        endMerged: r[o + 3]! | 0,
        startRaw,
        endRaw,
        startPrice: r[o + 8]!,
        endPrice: r[o + 9]!,
        startTime,
        endTime,
        confirmed,
      };
      out[j] = { type: TYPES[code] as 'pen_confirmed', pen };
    } else if (code <= SEGMENT_PROVISIONAL) {
      const c = r[o + 10]!;
      const segment: Segment = {
        index,
        direction,
        startPen: r[o + 2]! | 0,
        endPen: r[o + 3]! | 0,
        startRaw,
        endRaw,
        startPrice: r[o + 8]!,
        endPrice: r[o + 9]!,
        startTime,
        endTime,
        confirmed,
        endCase: c === 0 ? null : (c as 1 | 2),
      };
      out[j] = { type: TYPES[code] as 'segment_confirmed', segment };
    } else out[j] = { type: TYPES[code] as 'pen_removed', index };
  }
  return out;
}
