// CSV times written without a zone, read as the wall clock of a named zone (IANA: Asia/Shanghai,
// America/New_York) instead of UTC. Portable: Intl, which Node, Deno, Bun and Workers have.
import { ConfigError } from './errors.js';

/** A wall-clock time (ms, its fields read as if UTC) to the UTC instant it names in a zone. */
export type LocalToUtc = (wall: number) => number;

const HOUR = 3_600_000,
  DAY = 86_400_000;

/**
 * The converter of a zone's wall-clock times. A time the clocks skip (spring forward) is read with
 * the offset before the change (02:30 becomes 03:30 of the new offset); a time they show twice (fall
 * back), as the earlier instant. An unknown zone is a ConfigError naming `timeZone`.
 */
export function localTimeIn(zone: string): LocalToUtc {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new ConfigError(
      'timeZone',
      `${JSON.stringify(zone)} is not a time zone: name one as the IANA database does (Asia/Shanghai, America/New_York, UTC)`,
    );
  }
  /** How far the zone's clocks are ahead of UTC at a UTC instant, ms. */
  const offsetAt = (utc: number): number => {
    const f: Record<string, number> = {};
    for (const p of format.formatToParts(utc)) f[p.type] = Number(p.value);
    return Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!) - Math.floor(utc / 1000) * 1000;
  };
  // The offset of each wall-clock hour when it is the same a day before and after (nearly every
  // hour: two Intl calls per hour of data, not per row); NaN within a day of a change.
  const byHour = new Map<number, number>();
  return (wall) => {
    const hour = Math.floor(wall / HOUR);
    let offset = byHour.get(hour);
    if (offset === undefined) {
      const before = offsetAt(wall - DAY);
      offset = before === offsetAt(wall + DAY) ? before : NaN;
      byHour.set(hour, offset);
    }
    if (!Number.isNaN(offset)) return wall - offset;
    const early = wall - offsetAt(wall - DAY),
      late = wall - offsetAt(wall + DAY);
    const shows = (utc: number) => utc + offsetAt(utc) === wall;
    if (shows(early) && shows(late)) return Math.min(early, late);
    if (shows(late)) return late;
    return early;
  };
}
