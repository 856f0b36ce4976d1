// Which CSV column holds what: header names matched case-insensitively, ignoring spaces, _, -, ., /, <>
// and a unit in brackets, against common aliases; or, without a header, the order of exchange kline
// exports (open time, open, high, low, close, volume, ...).
import { BarValidationError } from './errors.js';

/** Columns of a row (0-based); `time` is a single time column, or a date and a time-of-day column. */
export interface ColumnLayout {
  readonly time: { readonly single: number } | { readonly date: number; readonly clock: number };
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** -1: no volume column (the volumes are 0). */
  readonly volume: number;
  /** -1: no ticker column (a file of one instrument). */
  readonly ticker: number;
  readonly hasHeader: boolean;
}

/** A time column that holds a whole instant; without one, a date and a time-of-day column are read together. */
const WHOLE_TIME = ['timestamp', 'datetime', 'opentime', 'windowstart', 'ts', 'unixtime', 'unix', 'gmttime', 'localtime'] as const;
const CLOCK = ['time', '时间', '時間'] as const;
const DATE = ['date', 'tradedate', 'day', '日期', '交易日期'] as const;

/**
 * Accepted names, most specific first (the first present wins); the Chinese ones as AKShare, 通达信
 * and 同花顺 write them, and in traditional characters as Taiwan's tools do.
 */
export const COLUMN_ALIASES = {
  time: [...WHOLE_TIME, ...CLOCK, ...DATE],
  open: ['open', 'o', 'openprice', '开盘', '开盘价', '開盤', '開盤價'],
  high: ['high', 'h', 'highprice', '最高', '最高价', '最高價'],
  low: ['low', 'l', 'lowprice', '最低', '最低价', '最低價'],
  close: ['close', 'c', 'closeprice', 'last', 'price', '收盘', '收盘价', '收盤', '收盤價'],
  volume: ['volume', 'vol', 'v', 'tickvolume', 'tickvol', 'realvolume', '成交量', '成交股數'],
} as const;

/**
 * A column naming each row's instrument: Polygon's `ticker`, CryptoDataDownload's `Symbol`, baostock's
 * `code`, Tushare's `ts_code`, AKShare's `股票代码`, and their Chinese kin (traditional: Taiwan's).
 */
export const TICKER_NAMES = ['ticker', 'symbol', 'code', 'tscode', '股票代码', '证券代码', '代码', '證券代號', '股票代號'] as const;

/** A unit in brackets after a name: `(BTC)` of `Volume (BTC)`. */
const UNIT = /\(.*\)|\[.*\]/;
const UNITS = new RegExp(UNIT, 'g');
const unitOf = (h: string) => UNIT.exec(h.toLowerCase())?.[0] ?? '';

const normalise = (h: string) =>
  h
    .toLowerCase()
    .replace(UNITS, '')
    .replace(/[\s_\-<>"'./]/g, '');

/** The layout of a file whose first record is `first`: a header, or (prices as numbers) the first bar. */
export function columnLayout(first: readonly string[], isNumber: (cell: string) => boolean): ColumnLayout {
  if (first.length >= 5 && first.slice(1, 5).every(isNumber)) {
    return { time: { single: 0 }, open: 1, high: 2, low: 3, close: 4, volume: first.length > 5 ? 5 : -1, ticker: -1, hasHeader: false };
  }
  const names = first.map(normalise);
  /** `unitsMayDiffer`: the same name with other units in brackets (`Volume (BTC)`, `Volume (USD)`) is no clash: the first is taken. */
  const find = (aliases: readonly string[], unitsMayDiffer = false): number => {
    for (const a of aliases) {
      const k = names.indexOf(a);
      if (k < 0) continue;
      const again = names.indexOf(a, k + 1);
      if (again >= 0 && !(unitsMayDiffer && unitOf(first[k]!) !== unitOf(first[again]!))) {
        throw new BarValidationError(
          -1,
          'header',
          `columns ${k + 1} and ${again + 1} ("${first[k]}", "${first[again]}") are both ${a}: keep one`,
        );
      }
      return k;
    }
    return -1;
  };
  const found = {
    open: find(COLUMN_ALIASES.open),
    high: find(COLUMN_ALIASES.high),
    low: find(COLUMN_ALIASES.low),
    close: find(COLUMN_ALIASES.close),
    volume: find(COLUMN_ALIASES.volume, true),
  };
  // Without one of those, a volume with its unit after the name (`Volume BTC`, `Volume USDT`, as
  // CryptoDataDownload writes): the first, the base asset's in those files.
  if (found.volume < 0) found.volume = names.findIndex((n) => /^volume[a-z]{1,5}$/.test(n));
  const whole = find(WHOLE_TIME);
  const date = find(DATE),
    clock = find(CLOCK);
  // Without a named one, a first column headed by nothing: a pandas DataFrame's unnamed time index.
  const unnamed = names[0] === '' ? 0 : -1;
  const time: ColumnLayout['time'] =
    whole >= 0 ? { single: whole } : date >= 0 && clock >= 0 ? { date, clock } : { single: Math.max(date, clock, unnamed) };
  const missing = [
    ...('single' in time && time.single < 0 ? ['time'] : []),
    ...(['open', 'high', 'low', 'close'] as const).filter((k) => found[k] < 0),
  ];
  if (missing.length > 0) {
    const accepted = missing.map((k) => `${k} (${COLUMN_ALIASES[k as keyof typeof COLUMN_ALIASES].join(', ')})`).join('; ');
    throw new BarValidationError(
      -1,
      'header',
      `no ${missing.join(', ')} column among "${first.join('", "')}": accepted names (any case, spaces or _ ignored): ${accepted}`,
    );
  }
  return { time, ...found, ticker: find(TICKER_NAMES), hasHeader: true };
}
