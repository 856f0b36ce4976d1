// The events between a level's structures before and after an update: what formed, changed, was
// confirmed or went. Objects that did not change are the same object (StructureLevel reuses them),
// so most comparisons stop at identity.
import type { StructureEvent, WithdrawReason } from '../core/events.js';
import type { Level } from '../core/structure-options.js';
import type { BuySellPoint, Pivot } from '../core/types.js';
import type { LineColumns } from './level-columns.js';

/** The pivot events from `before` to `after`, both starting at global pivot index `base`. */
export function pivotEvents(level: Level, before: readonly Pivot[], after: readonly Pivot[], base: number, events: StructureEvent[]): void {
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    const a = before[i],
      b = after[i];
    if (b === undefined) events.push({ type: 'pivot_removed', level, index: base + i });
    else if (a === undefined) events.push({ type: 'pivot_formed', level, pivot: b });
    else if (a !== b && !samePivot(a, b, true)) {
      const confirmedOnly = !a.confirmed && b.confirmed && samePivot(a, b, false);
      events.push({ type: confirmedOnly ? 'pivot_confirmed' : 'pivot_changed', level, pivot: b });
    }
  }
}

/**
 * The point events from `before` to `after` (both sorted by line); `lines` are the level's lines
 * after the update, local line 0 being global line `lineBase`, to tell why a point went.
 */
export function pointEvents(
  level: Level,
  before: readonly BuySellPoint[],
  after: readonly BuySellPoint[],
  lines: LineColumns,
  lineBase: number,
  events: StructureEvent[],
): void {
  let i = 0,
    j = 0;
  while (i < before.length || j < after.length) {
    const a = before[i],
      b = after[j];
    if (b === undefined || (a !== undefined && a.line < b.line)) {
      const l = a!.line - lineBase;
      const reason: WithdrawReason =
        l >= lines.n ? 'line_removed' : lines.endRaw[l] !== a!.rawIndex || lines.end[l] !== a!.price ? 'line_changed' : 'rules';
      events.push({ type: 'point_withdrawn', level, line: a!.line, reason });
      i++;
    } else if (a === undefined || b.line < a.line) {
      events.push({ type: 'point_appeared', level, point: b });
      j++;
    } else {
      if (a !== b && !samePoint(a, b)) events.push({ type: 'point_changed', level, point: b });
      i++;
      j++;
    }
  }
}

function samePivot(a: Pivot, b: Pivot, withConfirmed: boolean): boolean {
  return (
    a.startLine === b.startLine &&
    a.endLine === b.endLine &&
    a.startRaw === b.startRaw &&
    a.endRaw === b.endRaw &&
    a.low === b.low &&
    a.high === b.high &&
    a.mid === b.mid &&
    a.peakLow === b.peakLow &&
    a.peakHigh === b.peakHigh &&
    a.leavingLine === b.leavingLine &&
    a.startTime === b.startTime &&
    a.endTime === b.endTime &&
    (!withConfirmed || a.confirmed === b.confirmed)
  );
}

function samePoint(a: BuySellPoint, b: BuySellPoint): boolean {
  return (
    a.rawIndex === b.rawIndex &&
    a.price === b.price &&
    a.time === b.time &&
    a.side === b.side &&
    a.confirmed === b.confirmed &&
    Object.is(a.divergenceRate, b.divergenceRate) &&
    a.relatedLine === b.relatedLine &&
    a.types.length === b.types.length &&
    a.types.every((t, i) => t === b.types[i])
  );
}
