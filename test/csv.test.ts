// CSV as real exports write it: each case is a file as the source writes it, with the bars it must
// give worked out by hand; every refusal names the row, field and line (or the header) and says how to fix it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBarsCsv, parseCsv, type CsvOptions } from '../src/core/csv.js';
import { BarValidationError, ConfigError, InputError } from '../src/core/errors.js';
import type { Bars } from '../src/core/types.js';
import { thrown } from './support/helpers.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { csvTextPieces, readBarsCsvFile } from '../src/node/csv-file.js';

/** Runs `f` in a fresh temporary directory, removed afterwards. */
function inTempDir(f: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'chan-csv-'));
  try {
    f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = (b: Bars) =>
  Array.from({ length: b.timestamp.length }, (_, i) => [b.timestamp[i], b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i]]);
const failure = (text: string, o?: CsvOptions) => thrown(() => parseBarsCsv(text, o), BarValidationError);
const D = (iso: string) => Date.parse(iso);
/** The GBK bytes of the Chinese characters a 通达信 export of SSE daily holds (Python's str.encode('gbk')). */
const GBK: Record<string, number[]> = {
  上: [201, 207],
  证: [214, 164],
  指: [214, 184],
  数: [202, 253],
  日: [200, 213],
  线: [207, 223],
  不: [178, 187],
  复: [184, 180],
  权: [200, 168],
  期: [198, 218],
  开: [191, 170],
  盘: [197, 204],
  最: [215, 238],
  高: [184, 223],
  低: [181, 205],
  收: [202, 213],
  成: [179, 201],
  交: [189, 187],
  量: [193, 191],
  额: [182, 238],
  据: [190, 221],
  来: [192, 180],
  源: [212, 180],
  通: [205, 168],
  达: [180, 239],
  信: [208, 197],
};
/** The bars of the plain-line path (plain) or of the general reader alone, or the refusal (row, field, message). */
const outcome = (text: string | readonly string[], o: CsvOptions, plain: boolean) => {
  try {
    return rows(parseCsv(text, o, plain)).map((r) => r.map((x) => (Object.is(x, -0) ? '-0' : x)));
  } catch (e) {
    if (!(e instanceof BarValidationError)) throw e;
    return [e.index, e.field, e.message];
  }
};

describe('CSV files as sources write them', () => {
  it('the uniform format: timestamp in ms, columns by name in any order and case', () => {
    const b = parseBarsCsv('VOLUME,Timestamp,open,HIGH,low,Close\n5,1594944000000,2,3,1,2\n6,1595030400000,2,3,1,2.5\n');
    expect(rows(b)).toEqual([
      [1594944000000, 2, 3, 1, 2, 5],
      [1595030400000, 2, 3, 1, 2.5, 6],
    ]);
  });

  it('Yahoo Finance: Date,Open,High,Low,Close,Adj Close,Volume: dates at 00:00 UTC, Close (not Adj Close)', () => {
    const b = parseBarsCsv(
      'Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,324.87,324.89,322.53,324.87,312.1,59151200\n2020-01-03,321.16,323.64,321.10,322.41,309.7,77709700\n',
    );
    expect(rows(b)).toEqual([
      [D('2020-01-02T00:00:00Z'), 324.87, 324.89, 322.53, 324.87, 59151200],
      [D('2020-01-03T00:00:00Z'), 321.16, 323.64, 321.1, 322.41, 77709700],
    ]);
  });

  it('a file written newest first (investing.com, some brokers: every time earlier than the one before) is read oldest first, its "Vol." as the volume; any other order is left for validation to refuse', () => {
    const b = parseBarsCsv(
      '"Date","Price","Open","High","Low","Vol.","Change %"\n2020-01-06,3.5,3,4,2.5,9,"40.00%"\n2020-01-03,2.5,2,3,1.5,8,"66.67%"\n2020-01-02,1.5,1,2,0.5,7,"0.00%"\n',
    );
    expect(rows(b)).toEqual([
      [D('2020-01-02T00:00:00Z'), 1, 2, 0.5, 1.5, 7],
      [D('2020-01-03T00:00:00Z'), 2, 3, 1.5, 2.5, 8],
      [D('2020-01-06T00:00:00Z'), 3, 4, 2.5, 3.5, 9],
    ]);
    // Two equal times, or one step up, anywhere: not newest first, read as written.
    for (const times of [
      [3, 2, 2],
      [3, 2, 4],
      [3, 4, 2],
    ]) {
      const text = 'timestamp,open,high,low,close\n' + times.map((t) => `${t * 1e12},1,2,0.5,1.5\n`).join('');
      expect(Array.from(parseBarsCsv(text).timestamp)).toEqual(times.map((t) => t * 1e12));
    }
    expect(Array.from(parseBarsCsv('timestamp,open,high,low,close\n2000000000000,1,2,0.5,1.5\n').timestamp)).toEqual([2e12]);
  });

  it('Binance kline exports (no header, 12 columns): open time in ms, µs (2025 files) or s; the extra columns ignored', () => {
    const line = (t: string) => `${t},7195.24,7196.25,7175.46,7177.02,511.814901,1577836859999,3675857.1,3,2,1,0`;
    const want = [[1577836800000, 7195.24, 7196.25, 7175.46, 7177.02, 511.814901]];
    expect(rows(parseBarsCsv(line('1577836800000')))).toEqual(want);
    expect(rows(parseBarsCsv(line('1577836800000000')))).toEqual(want);
    expect(rows(parseBarsCsv(line('1577836800')))).toEqual(want);
    expect(rows(parseBarsCsv(line('1577836800000000000')))).toEqual(want);
  });

  it('any column first: no header with 5 columns (no volume); a header with the prices before the time, or the time of day before the date', () => {
    expect(rows(parseBarsCsv('1577836800000,7195.24,7196.25,7175.46,7177.02\n'))).toEqual([
      [1577836800000, 7195.24, 7196.25, 7175.46, 7177.02, 0],
    ]);
    expect(rows(parseBarsCsv('open,high,low,close,date\n2,3,1,2.5,2020-01-02\n'))).toEqual([[D('2020-01-02T00:00:00Z'), 2, 3, 1, 2.5, 0]]);
    expect(rows(parseBarsCsv('time,date,open,high,low,close\n09:30,2020-01-02,2,3,1,2.5\n'))).toEqual([
      [D('2020-01-02T09:30:00Z'), 2, 3, 1, 2.5, 0],
    ]);
  });

  it('semicolons, ISO date-times with zones (UTC when none), spaces around cells, CRLF and a BOM', () => {
    const b = parseBarsCsv(
      '\uFEFFdatetime; open; high; low; close; Volume (BTC)\r\n' +
        '2020-07-16T09:30:00+08:00; 10; 11; 9; 10.5; 100\r\n' +
        '2020-07-16 09:31; 10; 11; 9; 10.5; 100\r\n' +
        '2020-07-16T01:32:30.250Z; 10; 11; 9; 10.5; 100\r\n',
    );
    expect(Array.from(b.timestamp)).toEqual([D('2020-07-16T01:30:00Z'), D('2020-07-16T09:31:00Z'), D('2020-07-16T01:32:30.250Z')]);
    expect(Array.from(b.close)).toEqual([10.5, 10.5, 10.5]);
    expect(Array.from(b.volume)).toEqual([100, 100, 100]);
  });

  it('MetaTrader (tabs, <DATE> and <TIME> columns, dotted dates): date and time read together; <VOL> before <TICKVOL>', () => {
    const b = parseBarsCsv(
      '<DATE>\t<TIME>\t<OPEN>\t<HIGH>\t<LOW>\t<CLOSE>\t<TICKVOL>\t<VOL>\t<SPREAD>\n2020.01.02\t09:30:00\t1.1213\t1.1220\t1.1209\t1.1215\t812\t0\t2\n',
    );
    expect(rows(b)).toEqual([[D('2020-01-02T09:30:00Z'), 1.1213, 1.122, 1.1209, 1.1215, 0]]);
  });

  it('a time of day without colons beside a date: HHmm or HHmmss, its leading zero kept or not (0935, 935)', () => {
    const b = parseBarsCsv(
      'date,time,open,high,low,close\n2020-01-02,935,1,2,0.5,1.5\n2020-01-02,0940,1,2,0.5,1.5\n2020-01-02,094500,1,2,0.5,1.5\n2020-01-02,95000,1,2,0.5,1.5\n2020-01-02,1300,1,2,0.5,1.5\n',
    );
    expect(Array.from(b.timestamp).map((t) => new Date(t).toISOString().slice(11, 19))).toEqual([
      '09:35:00',
      '09:40:00',
      '09:45:00',
      '09:50:00',
      '13:00:00',
    ]);
    expect(failure('date,time,open,high,low,close\n2020-01-02,960,1,2,0.5,1.5\n').message).toBe(
      'bar 0: timestamp "960" is not a time of day (line 2)',
    );
    expect(failure('date,time,open,high,low,close\n2020-01-02,2400,1,2,0.5,1.5\n').message).toBe(
      'bar 0: timestamp "2400" is not a time of day (line 2)',
    );
  });

  it('Tushare daily (trade_date as 20200716, vol): compact dates; other columns ignored', () => {
    const b = parseBarsCsv(
      'ts_code,trade_date,open,high,low,close,pre_close,change,pct_chg,vol,amount\n000001.SH,20200716,3340.5,3341.2,3210.1,3210.1,3361.3,-151.2,-4.5,382756470,474500000\n',
    );
    expect(rows(b)).toEqual([[D('2020-07-16T00:00:00Z'), 3340.5, 3341.2, 3210.1, 3210.1, 382756470]]);
  });

  it("baostock minutes (time as 20200102093500000: yyyyMMddHHmmssSSS, or 14 digits without the ms), alone or beside its date, and NinjaTrader's yyyyMMdd HHmmss: read as date-times, not as µs in the year 2610", () => {
    const pair = parseBarsCsv(
      'date,time,code,open,high,low,close,volume,amount,adjustflag\n' +
        '2020-01-02,20200102093500000,sh.600000,12.47,12.64,12.45,12.6,8413500,105758600.0,3\n' +
        '2020-01-02,20200102094000000,sh.600000,12.6,12.62,12.52,12.55,3349200,42091330.0,3\n',
    );
    expect(rows(pair)).toEqual([
      [D('2020-01-02T09:35:00Z'), 12.47, 12.64, 12.45, 12.6, 8413500],
      [D('2020-01-02T09:40:00Z'), 12.6, 12.62, 12.52, 12.55, 3349200],
    ]);
    const alone = parseBarsCsv(
      'time,code,open,high,low,close,volume\n20200102093500000,sh.600000,1,2,0.5,1.5,7\n20200102094000250,sh.600000,1,2,0.5,1.5,7\n',
    );
    expect(Array.from(alone.timestamp)).toEqual([D('2020-01-02T09:35:00Z'), D('2020-01-02T09:40:00.250Z')]);
    // NinjaTrader's export (no header, semicolons): yyyyMMdd HHmmss for minutes, yyyyMMdd for days.
    const ninja = parseBarsCsv('20061023 004400;1377.25;1377.5;1377;1377.25;86\n20061023 004500;1377.25;1377.25;1377.25;1377.25;27\n');
    expect(rows(ninja)).toEqual([
      [D('2006-10-23T00:44:00Z'), 1377.25, 1377.5, 1377, 1377.25, 86],
      [D('2006-10-23T00:45:00Z'), 1377.25, 1377.25, 1377.25, 1377.25, 27],
    ]);
    expect(Array.from(parseBarsCsv('20061023;1377.25;1377.5;1377;1377.25;86\n').timestamp)).toEqual([D('2006-10-23T00:00:00Z')]);
    expect(failure('20061023 004400;1377.25;1377.5;1377;1377.25;86\n20061023 006000;1377.25;1377.25;1377.25;1377.25;27\n').message).toBe(
      'bar 1: timestamp "20061023 006000" is not a date-time like the first row\'s (yyyyMMdd HHmmss) (line 2)',
    );
    const fourteen = parseBarsCsv('time,open,high,low,close\n20200102093500,1,2,0.5,1.5\n20200102094000,1,2,0.5,1.5\n');
    expect(Array.from(fourteen.timestamp)).toEqual([D('2020-01-02T09:35:00Z'), D('2020-01-02T09:40:00Z')]);
    expect(failure('time,open,high,low,close\n20200102093500,1,2,0.5,1.5\n20200102096000,1,2,0.5,1.5\n').message).toBe(
      'bar 1: timestamp "20200102096000" is not a date-time like the first row\'s (yyyyMMddHHmmss) (line 3)',
    );
    expect(failure('date,time,open,high,low,close\n2020-01-02,20200103093500000,1,2,0.5,1.5\n').message).toBe(
      'bar 0: timestamp "20200103093500000" is not on the date of its row (line 2)',
    );
  });

  it('Chinese headers (AKShare): 日期 or 时间, 开盘 收盘 最高 最低 in their order, 成交量; or 日期 and 时间 together', () => {
    const daily = parseBarsCsv(
      '日期,股票代码,开盘,收盘,最高,最低,成交量,成交额,振幅,涨跌幅,涨跌额,换手率\n2024-01-02,000001,9.39,9.21,9.42,9.21,1158366,1075742252.45,2.24,-1.92,-0.18,0.60\n',
    );
    expect(rows(daily)).toEqual([[D('2024-01-02T00:00:00Z'), 9.39, 9.42, 9.21, 9.21, 1158366]]);
    const minutes = parseBarsCsv('时间,开盘价,收盘价,最高价,最低价,成交量\n2024-01-02 09:31:00,9.39,9.38,9.40,9.37,51200\n');
    expect(rows(minutes)).toEqual([[D('2024-01-02T09:31:00Z'), 9.39, 9.4, 9.37, 9.38, 51200]]);
    const pair = parseBarsCsv('日期\t时间\t开盘\t最高\t最低\t收盘\t成交量\n2024/01/02\t09:35\t9.39\t9.40\t9.37\t9.38\t51200\n');
    expect(rows(pair)).toEqual([[D('2024-01-02T09:35:00Z'), 9.39, 9.4, 9.37, 9.38, 51200]]);
  });

  it('通达信 exports: its title line, a tab header with leading spaces, CRLF and the 数据来源:通达信 footer; rows in commas under a header in tabs or spaces', () => {
    const daily =
      '688019 澜起科技 日线 前复权\r\n      日期\t    开盘\t    最高\t    最低\t    收盘\t    成交量\t    成交额\r\n' +
      '2026/04/10\t190.00\t195.00\t189.00\t194.00\t1000\t194000.00\r\n2026/04/13\t195.00\t200.00\t194.00\t196.00\t1100\t215600.00\r\n数据来源:通达信\r\n';
    const expected = [
      [D('2026-04-10T00:00:00Z'), 190, 195, 189, 194, 1000],
      [D('2026-04-13T00:00:00Z'), 195, 200, 194, 196, 1100],
    ];
    for (const plain of [true, false]) expect(rows(parseCsv(daily, {}, plain)), String(plain)).toEqual(expected);
    // Newer versions write `#数据来源:通达信`; futures minutes: 时间 as HHMM, 持仓量 and 结算价 ignored, rows in commas.
    const minutes =
      'AO2609 氧化铝2609 5分钟线 不复权\r\n      日期\t    时间\t    开盘\t    最高\t    最低\t    收盘\t    成交量\t    持仓量\t    结算价\r\n' +
      '2025/09/22,0905,3112,3112,3110,3111,0,6,0\r\n2025/09/22,1500,3111,3114,3110,3113,8,10,3112\r\n#数据来源:通达信\r\n';
    expect(rows(parseBarsCsv(minutes))).toEqual([
      [D('2025-09-22T09:05:00Z'), 3112, 3112, 3110, 3111, 0],
      [D('2025-09-22T15:00:00Z'), 3111, 3114, 3110, 3113, 8],
    ]);
    // Beijing's wall clock read as the instants it names.
    expect(Array.from(parseBarsCsv(minutes, { timeZone: 'Asia/Shanghai' }).timestamp)).toEqual([
      D('2025-09-22T01:05:00Z'),
      D('2025-09-22T07:00:00Z'),
    ]);
    // A header in spaces above rows in commas.
    const spaced =
      '01093 石药集团 日线 不复权\n日期  开盘  最高  最低  收盘  成交量  成交额\n2024/10/02,6.040,6.540,6.030,6.430,1314816,836828352.00\n数据来源:通达信\n';
    expect(rows(parseBarsCsv(spaced))).toEqual([[D('2024-10-02T00:00:00Z'), 6.04, 6.54, 6.03, 6.43, 1314816]]);
    // Any header whose delimiter the rows lack is split by its own (semicolons above commas).
    expect(rows(parseBarsCsv('日期;开盘;最高;最低;收盘;成交量\n2024/10/02,6.040,6.540,6.030,6.430,1314816\n'))).toEqual([
      [D('2024-10-02T00:00:00Z'), 6.04, 6.54, 6.03, 6.43, 1314816],
    ]);
    // Without the title line, a header in tabs above rows in commas and the footer, as well.
    const untitled = '日期\t开盘\t最高\t最低\t收盘\t成交量\n2024/10/02,6.040,6.540,6.030,6.430,1314816\n#数据来源:通达信\n';
    expect(rows(parseBarsCsv(untitled))).toEqual([[D('2024-10-02T00:00:00Z'), 6.04, 6.54, 6.03, 6.43, 1314816]]);
    // The footer is skipped as the last line only: elsewhere it is a row that cannot be read.
    expect(failure('日期\t开盘\t最高\t最低\t收盘\n数据来源:通达信\n2024/10/02\t1\t2\t0.5\t1.5\n').message).toBe(
      'bar 0: timestamp "数据来源:通达信" is not a date, date-time or epoch number (line 2)',
    );
  });

  it("Chinese ticker columns (AKShare's 股票代码, 证券代码, 代码; 證券代號, 股票代號): two stocks in one file refused unnamed, one read with --ticker", () => {
    for (const name of ['股票代码', '证券代码', '代码', '證券代號', '股票代號']) {
      const two =
        `日期,${name},开盘,收盘,最高,最低,成交量\n` +
        '2024-01-02,000001,9.39,9.21,9.42,9.21,1158366\n2024-01-02,600000,6.61,6.59,6.64,6.57,336046\n2024-01-03,000001,9.19,9.20,9.22,9.02,733610\n';
      expect(failure(two).message, name).toBe(
        `bar 1: ticker "600000" is not the first row's ("000001"): the file holds several tickers; name the one to read (--ticker, or ticker in code) (line 3)`,
      );
      expect(rows(parseBarsCsv(two, { ticker: '000001' })), name).toEqual([
        [D('2024-01-02T00:00:00Z'), 9.39, 9.42, 9.21, 9.21, 1158366],
        [D('2024-01-03T00:00:00Z'), 9.19, 9.22, 9.02, 9.2, 733610],
      ]);
    }
  });

  it('同花顺 exports: a date with its weekday after a comma (2007-08-01,三) in a tab-delimited file; 总手, with thousands separators, is not read as the volume', () => {
    const daily =
      '时间\t开盘\t最高\t最低\t收盘\t涨幅\t振幅\t总手\t金额\t换手%\t成交次数\t\n' +
      '2007-08-01,三\t1010.109\t1010.109\t943.346\t943.346\t--\t--\t1,092,894,600\t13,566,472,000\t0\t0\t\n' +
      '2007-08-02,四\t944.755\t972.780\t944.755\t972.780\t+3.12%\t2.97%\t687,798,450\t8,794,664,200\t0\t0\t\n';
    expect(rows(parseBarsCsv(daily))).toEqual([
      [D('2007-08-01T00:00:00Z'), 1010.109, 1010.109, 943.346, 943.346, 0],
      [D('2007-08-02T00:00:00Z'), 944.755, 972.78, 944.755, 972.78, 0],
    ]);
    // The weekday must follow a date: alone, or after something else, the cell is refused as before.
    expect(failure('时间\t开盘\t最高\t最低\t收盘\n2007-08-01,八\t1\t2\t0.5\t1.5\n').message).toBe(
      'bar 0: timestamp "2007-08-01,八" is not a date, date-time or epoch number (line 2)',
    );
  });

  it('traditional Chinese headers (Taiwan): 日期 or 交易日期, 時間, 開盤價 最高價 最低價 收盤價 (or without 價), 成交量 or 成交股數', () => {
    const daily = parseBarsCsv('日期,開盤價,最高價,最低價,收盤價,成交量,報酬率\n2024-01-02,593,593,589,593,26059058,0.1\n');
    expect(rows(daily)).toEqual([[D('2024-01-02T00:00:00Z'), 593, 593, 589, 593, 26059058]]);
    const shares = parseBarsCsv('交易日期,成交股數,成交金額,開盤,最高,最低,收盤\n20240102,26059058,15432817425,590,593,589,593\n');
    expect(rows(shares)).toEqual([[D('2024-01-02T00:00:00Z'), 590, 593, 589, 593, 26059058]]);
    // A date of the Republic of China calendar (Taiwan's exchange writes 115/08/11 for 2026-08-11): refused saying so.
    expect(failure('日期,開盤價,最高價,最低價,收盤價\n115/08/11,1,2,0.5,1.5\n').message).toBe(
      'bar 0: timestamp "115/08/11" has a year of the Republic of China (民國) calendar: 115 is 2026; write 2026-08-11 (line 2)',
    );
    const minutes = parseBarsCsv('日期,時間,開盤價,最高價,最低價,收盤價,成交量\n2024/01/02,09:01,590,591,589,590,120\n');
    expect(rows(minutes)).toEqual([[D('2024-01-02T09:01:00Z'), 590, 591, 589, 590, 120]]);
  });

  it('yfinance download() saved by pandas: three header lines (Price, Ticker, Date) read as one; several tickers refused', () => {
    const daily = parseBarsCsv(
      'Price,Close,High,Low,Open,Volume\nTicker,MSFT,MSFT,MSFT,MSFT,MSFT\nDate,,,,,\n' +
        '2023-02-17,254.5292510986328,256.53147567397895,252.49743818375117,255.84107105146936,30000100\n' +
        '2023-02-21,248.6,251.1,248.1,250.5,29000000\n',
    );
    expect(rows(daily)).toEqual([
      [D('2023-02-17T00:00:00Z'), 255.84107105146936, 256.53147567397895, 252.49743818375117, 254.5292510986328, 30000100],
      [D('2023-02-21T00:00:00Z'), 250.5, 251.1, 248.1, 248.6, 29000000],
    ]);
    const intraday = parseBarsCsv(
      'Price,Close,High,Low,Open,Volume\nTicker,SPY,SPY,SPY,SPY,SPY\nDatetime,,,,,\n2025-01-02 14:30:00+00:00,1.5,2,0.5,1,7\n',
    );
    expect(intraday.timestamp[0]).toBe(D('2025-01-02T14:30:00Z'));
    // A later bad cell keeps its line number (line 5).
    expect(
      failure('Price,Close,High,Low,Open,Volume\nTicker,SPY,SPY,SPY,SPY,SPY\nDate,,,,,\n2025-01-02,1.5,2,0.5,1,7\n2025-01-03,x,2,0.5,1,7\n')
        .message,
    ).toBe('bar 1: close cannot parse "x" (line 5)');
    expect(
      failure('Price,Close,Close,High,High,Low,Low,Open,Open\nTicker,AAPL,MSFT,AAPL,MSFT,AAPL,MSFT,AAPL,MSFT\nDate,,,,,,,,\n').message,
    ).toBe('header: the file holds 2 tickers (AAPL, MSFT), as yfinance writes several: save each in a file of its own');
    // A first column named Price without yfinance's lines is an ordinary header.
    expect(rows(parseBarsCsv('Price,Open,High,Low,Date\n1.5,1,2,0.5,2025-01-02\n'))).toEqual([
      [D('2025-01-02T00:00:00Z'), 1, 2, 0.5, 1.5, 0],
    ]);
  });

  it('a pandas DataFrame saved with its unnamed time index (JoinQuant get_price().to_csv()): the first column, headed by nothing, is the time', () => {
    const b = parseBarsCsv(',open,close,high,low,volume,money\n2020-01-02 09:31:00,12.47,12.5,12.6,12.4,100,1250\n');
    expect(rows(b)).toEqual([[D('2020-01-02T09:31:00Z'), 12.47, 12.6, 12.4, 12.5, 100]]);
    // A named time column wins over the unnamed first one (pandas' default integer index).
    const indexed = parseBarsCsv(',date,open,high,low,close\n0,2020-01-02,1,2,0.5,1.5\n');
    expect(rows(indexed)).toEqual([[D('2020-01-02T00:00:00Z'), 1, 2, 0.5, 1.5, 0]]);
  });

  it('CryptoDataDownload: a web address above the header is skipped; of "Volume BTC" and "Volume USDT" the first is the volume; lines keep their numbers', () => {
    const text =
      'https://www.CryptoDataDownload.com\n' +
      'Unix,Date,Symbol,Open,High,Low,Close,Volume BTC,Volume USDT,tradecount\n' +
      '1609545600000,2021-01-02 00:00:00,BTCUSDT,29331.7,29600,29000,29400.5,1523.2,44800000.1,51234\n' +
      '1609459200000,2021-01-01 00:00:00,BTCUSDT,28923.63,29470,28690.17,29331.69,1314.1,38500000.5,49000\n';
    expect(rows(parseBarsCsv(text))).toEqual([
      [1609459200000, 28923.63, 29470, 28690.17, 29331.69, 1314.1],
      [1609545600000, 29331.7, 29600, 29000, 29400.5, 1523.2],
    ]);
    expect(failure(text.replace(',29600,', ',x,')).message).toBe('bar 0: high cannot parse "x" (line 3)');
    // A unit after the name, one column (Bitstamp's "Volume USD"); an exact "volume" is taken before any with a unit.
    expect(rows(parseBarsCsv('date;open;high;low;close;Volume USD\n2021-01-01;1;2;0.5;1.5;7\n'))[0]![5]).toBe(7);
    expect(rows(parseBarsCsv('date,open,high,low,close,volume_usd,volume\n2021-01-01,1,2,0.5,1.5,7,8\n'))[0]![5]).toBe(8);
    // A unit is a short word: a volume-weighted average price is no volume.
    expect(rows(parseBarsCsv('date,open,high,low,close,Volume Weighted Average Price\n2021-01-01,1,2,0.5,1.5,7\n'))[0]![5]).toBe(0);
    // Units in brackets (Kaggle's Bitstamp file): the first again; two prices that differ by their unit stay refused.
    const kaggle =
      'Timestamp,Open,High,Low,Close,Volume_(BTC),Volume_(Currency),Weighted_Price\n1325317920,4.39,4.39,4.39,4.39,0.45558087,2.0000000193,4.39\n';
    expect(rows(parseBarsCsv(kaggle))).toEqual([[1325317920000, 4.39, 4.39, 4.39, 4.39, 0.45558087]]);
    expect(failure('time,open,high,low,Close (USD),Close (EUR)\n').message).toBe(
      'header: columns 5 and 6 ("Close (USD)", "Close (EUR)") are both close: keep one',
    );
    expect(failure('time,open,high,low,close,volume,Volume\n').message).toBe(
      'header: columns 6 and 7 ("volume", "Volume") are both volume: keep one',
    );
  });
  it('Dukascopy (JForex exports): "Gmt time" as DD.MM.YYYY HH:mm:ss.SSS (dots: the day first), "Local time" with its GMT offset', () => {
    const gmt =
      'Gmt time,Open,High,Low,Close,Volume\n' +
      '02.01.2024 00:00:00.000,1.1000,1.1010,1.0990,1.1005,100.5\n' +
      '02.01.2024 00:15:00.000,1.1005,1.1020,1.0995,1.1015,150\n' +
      '31.12.2024 23:59:59.250,1.2,1.3,1.1,1.25,0\n';
    expect(rows(parseBarsCsv(gmt))).toEqual([
      [D('2024-01-02T00:00:00Z'), 1.1, 1.101, 1.099, 1.1005, 100.5],
      [D('2024-01-02T00:15:00Z'), 1.1005, 1.102, 1.0995, 1.1015, 150],
      [D('2024-12-31T23:59:59.250Z'), 1.2, 1.3, 1.1, 1.25, 0],
    ]);
    // The wall clock of the exporting machine, its offset written after it (+09:00, -05:00, +05:30, and with one digit GMT+0, GMT-5).
    const local =
      'Local time,Open,High,Low,Close,Volume\n' +
      '16.08.2025 00:00:00.000 GMT+0900,146.851,146.878,146.851,146.876,192000000\n' +
      '15.08.2025 11:01:00.000 GMT-0500,146.9,147,146.8,146.95,1\n' +
      '15.08.2025 16:02:00.000 GMT+0,146.95,147.1,146.9,147,2\n' +
      '15.08.2025 11:03:00.000 GMT-5,147,147.1,146.9,147,3\n' +
      '15.08.2025 21:34:00.000 GMT+0530,147,147.1,146.9,147,4\n';
    expect(rows(parseBarsCsv(local)).map((r) => r[0])).toEqual([
      D('2025-08-15T15:00:00Z'),
      D('2025-08-15T16:01:00Z'),
      D('2025-08-15T16:02:00Z'),
      D('2025-08-15T16:03:00Z'),
      D('2025-08-15T16:04:00Z'),
    ]);
    // Day and month of one digit.
    expect(parseBarsCsv('date,open,high,low,close\n2.1.2024,1,2,0.5,1.5\n').timestamp[0]).toBe(D('2024-01-02T00:00:00Z'));
    // A dotted date that is no day with the day first is named as read that way (a month-first file, or a typo).
    expect(failure('Gmt time,Open,High,Low,Close\n01.13.2024 00:00:00.000,1,2,0.5,1.5\n').message).toBe(
      'bar 0: timestamp "01.13.2024 00:00:00.000" is not a calendar date: months run 1 to 12 (a date with dots is read day first: DD.MM.YYYY) (line 2)',
    );
    expect(failure('date,open,high,low,close\n31.04.2024,1,2,0.5,1.5\n').message).toBe(
      'bar 0: timestamp "31.04.2024" is not a calendar date: 2024-04 has 30 days (a date with dots is read day first: DD.MM.YYYY) (line 2)',
    );
  });

  it("Polygon's flat files (every ticker of a day, window_start in ns): the rows of the ticker named (ticker / --ticker); several tickers unnamed are refused", () => {
    const day =
      'ticker,volume,open,close,high,low,window_start,transactions\n' +
      'A,100,120.5,121,121.2,120.4,1744792500000000000,7\n' +
      'AAPL,4930,200.29,200.5,200.63,200.29,1744792500000000000,129\n' +
      'AAPL,1815,200.39,200.34,200.61,200.34,1744792560000000000,57\n' +
      'AAPLX,9,1,1,1,1,1744792560000000000,1\n' +
      'MSFT,700,390,391,391.5,389.9,1744792500000000000,40\n';
    const aapl = [
      [1744792500000, 200.29, 200.63, 200.29, 200.5, 4930],
      [1744792560000, 200.39, 200.61, 200.34, 200.34, 1815],
    ];
    expect(rows(parseBarsCsv(day, { ticker: 'AAPL' }))).toEqual(aapl);
    // Days concatenated (zcat *.csv.gz): each day's header is a row of no ticker named; the plain-line path reads as the general reader.
    const twoDays = day + day.replaceAll('17447925', '17448789');
    expect(rows(parseBarsCsv(twoDays, { ticker: 'AAPL' }))).toEqual([
      ...aapl,
      [1744878900000, 200.29, 200.63, 200.29, 200.5, 4930],
      [1744878960000, 200.39, 200.61, 200.34, 200.34, 1815],
    ]);
    expect(outcome(twoDays, { ticker: 'MSFT' }, true)).toEqual(outcome(twoDays, { ticker: 'MSFT' }, false));
    // Another ticker's row whose quoted cell holds a line break and what looks like a row of the one named: skipped whole.
    const quoted = day.replace(
      'MSFT,700,390,391,391.5,389.9,1744792500000000000,40',
      'MSFT,700,390,391,391.5,389.9,1744792500000000000,"40\nAAPL,1,1,1,1,1,1744792620000000000,1"',
    );
    expect(rows(parseBarsCsv(quoted, { ticker: 'AAPL' }))).toEqual(aapl);
    // A ticker column of one ticker (baostock's code, CryptoDataDownload's Symbol) reads as before; of several, refused unnamed.
    expect(
      rows(
        parseBarsCsv(
          day
            .split('\n')
            .filter((l, i) => i === 0 || l.startsWith('AAPL,'))
            .join('\n'),
        ),
      ),
    ).toEqual(aapl);
    expect(failure(day).message).toBe(
      'bar 1: ticker "AAPL" is not the first row\'s ("A"): the file holds several tickers; name the one to read (--ticker, or ticker in code) (line 3)',
    );
    const none = failure(day, { ticker: 'GOOG' });
    expect([none.index, none.field, none.message]).toEqual([-1, 'ticker', 'ticker: no row has ticker "GOOG" (the first row\'s is "A")']);
    const noColumn = failure('timestamp,open,high,low,close\n1594944000000,1,2,0.5,1.5\n', { ticker: 'AAPL' });
    expect([noColumn.index, noColumn.field, noColumn.message]).toEqual([
      -1,
      'header',
      'header: no ticker column to find "AAPL" in: accepted names (any case, spaces or _ ignored): ticker, symbol, code, ts_code, 股票代码, 证券代码, 代码, 證券代號, 股票代號',
    ]);
  });

  it('AmiBroker exports (Ticker,Date/Time,...,Open Interest; Indian vendors ship every NSE ticker in one file): Date/Time is the time, --ticker picks one', () => {
    const text =
      'Ticker,Date/Time,Open,High,Low,Close,Volume,Open Interest\n' +
      'NIFTY,09.09.2016,8900.5,8950,8880.25,8940,202109040,0\n' +
      'NIFTY,12.09.2016,8940,8960,8700,8715.6,250000000,0\n' +
      'SBIN,09.09.2016,255,258,254,257.5,1000,0\n';
    expect(rows(parseBarsCsv(text, { ticker: 'NIFTY' }))).toEqual([
      [D('2016-09-09T00:00:00Z'), 8900.5, 8950, 8880.25, 8940, 202109040],
      [D('2016-09-12T00:00:00Z'), 8940, 8960, 8700, 8715.6, 250000000],
    ]);
    expect(failure(text).message).toContain('bar 2: ticker "SBIN" is not the first row\'s ("NIFTY")');
  });

  it('quoted cells (RFC 4180): delimiters, doubled quotes and line breaks inside; later errors give the right line', () => {
    const text =
      '"time","open","high","low","close","volume","note"\n' +
      '"1594944000000","2","3","1","2","5","a, b"\n' +
      '1595030400000,2,3,1,2,6,"says ""hi""\nover two lines"\n' +
      '1595116800000,2,x,1,2,7,\n';
    const e = failure(text);
    expect([e.index, e.field, e.message]).toEqual([2, 'high', 'bar 2: high cannot parse "x" (line 5)']);
    const b = parseBarsCsv(text.replace(',x,', ',3,'));
    expect(rows(b)).toEqual([
      [1594944000000, 2, 3, 1, 2, 5],
      [1595030400000, 2, 3, 1, 2, 6],
      [1595116800000, 2, 3, 1, 2, 7],
    ]);
  });

  it('no volume column: volumes are 0 (forex exports); blank lines are skipped', () => {
    const b = parseBarsCsv('time,open,high,low,close\n\n2020-01-02,1,2,0.5,1.5\n   \n2020-01-03,1,2,0.5,1.5\n');
    expect(rows(b)).toEqual([
      [D('2020-01-02T00:00:00Z'), 1, 2, 0.5, 1.5, 0],
      [D('2020-01-03T00:00:00Z'), 1, 2, 0.5, 1.5, 0],
    ]);
    // The last line blank (spaces, no line end): skipped too; a line of one cell that is not blank is read, and refused.
    expect(rows(parseBarsCsv('time,open,high,low,close\n2020-01-02,1,2,0.5,1.5\n   '))).toEqual([
      [D('2020-01-02T00:00:00Z'), 1, 2, 0.5, 1.5, 0],
    ]);
    expect(failure('time,open,high,low,close\n2020-01-02,1,2,0.5,1.5\noops\n').message).toBe(
      'bar 1: timestamp "oops" is not a date, date-time or epoch number (line 3)',
    );
  });

  it('--time-unit names the unit of small epoch numbers', () => {
    expect(
      Array.from(parseBarsCsv('timestamp,open,high,low,close,volume\n1,2,3,1,2,5\n2,2,3,1,2,6\n', { timeUnit: 'ms' }).timestamp),
    ).toEqual([1, 2]);
    expect(Array.from(parseBarsCsv('timestamp,open,high,low,close,volume\n60,2,3,1,2,5\n', { timeUnit: 's' }).timestamp)).toEqual([60_000]);
    expect(Array.from(parseBarsCsv('timestamp,open,high,low,close,volume\n1500,2,3,1,2,5\n', { timeUnit: 'us' }).timestamp)).toEqual([1.5]);
    // A named unit wins over the look of a compact date, on every row.
    expect(
      Array.from(parseBarsCsv('timestamp,open,high,low,close\n20200102,2,3,1,2\n20200103,2,3,1,2\n', { timeUnit: 's' }).timestamp),
    ).toEqual([20200102_000, 20200103_000]);
  });

  it('timeZone names the zone of times written without one (Asia/Shanghai; New York across its clock changes); zoned times and epoch numbers stay as they are', () => {
    const sh = { timeZone: 'Asia/Shanghai' };
    const t = (text: string, o: CsvOptions) => Array.from(parseBarsCsv(text, o).timestamp).map((v) => new Date(v).toISOString());
    expect(t('time,open,high,low,close\n2020-01-02 09:35,1,2,0.5,1.5\n2020-01-02T10:00:00+00:00,1,2,0.5,1.5\n', sh)).toEqual([
      '2020-01-02T01:35:00.000Z',
      '2020-01-02T10:00:00.000Z',
    ]);
    // Dates are the zone's midnights, on the fast path (compact dates) as on the general reader.
    const compact = 'trade_date,open,high,low,close\n20200102,1,2,0.5,1.5\n20200103,1,2,0.5,1.5\n';
    expect(t(compact, sh)).toEqual(['2020-01-01T16:00:00.000Z', '2020-01-02T16:00:00.000Z']);
    expect(parseCsv(compact, sh, false)).toEqual(parseCsv(compact, sh, true));
    expect(t('date,time,open,high,low,close\n2020-01-02,20200102093500000,1,2,0.5,1.5\n2020-01-02,09:40,1,2,0.5,1.5\n', sh)).toEqual([
      '2020-01-02T01:35:00.000Z',
      '2020-01-02T01:40:00.000Z',
    ]);
    expect(t('time,open,high,low,close\n20200102093500,1,2,0.5,1.5\n', sh)).toEqual(['2020-01-02T01:35:00.000Z']);
    expect(t('timestamp,open,high,low,close\n1577928900000,1,2,0.5,1.5\n', sh)).toEqual(['2020-01-02T01:35:00.000Z']);
    // New York: EST (-5) before 2020-03-08 02:00, EDT (-4) after; 02:30 that day does not exist (read
    // with the offset before: 03:30 EDT); 01:30 on 2020-11-01 happens twice (the earlier is taken).
    const ny = { timeZone: 'America/New_York' };
    const day = (d: string) => `time,open,high,low,close\n${d},1,2,0.5,1.5\n`;
    expect(
      [
        '2020-03-07 12:00',
        '2020-03-08 01:30',
        '2020-03-08 02:30',
        '2020-03-08 03:30',
        '2020-03-08 12:00',
        '2020-11-01 00:30',
        '2020-11-01 01:30',
        '2020-11-01 02:30',
      ].map((d) => t(day(d), ny)[0]),
    ).toEqual([
      '2020-03-07T17:00:00.000Z',
      '2020-03-08T06:30:00.000Z',
      '2020-03-08T07:30:00.000Z',
      '2020-03-08T07:30:00.000Z',
      '2020-03-08T16:00:00.000Z',
      '2020-11-01T04:30:00.000Z',
      '2020-11-01T05:30:00.000Z',
      '2020-11-01T07:30:00.000Z',
    ]);
    const e = thrown(() => parseBarsCsv(day('2020-01-02'), { timeZone: 'Asia/Shangai' }), ConfigError);
    expect([e.key, e.message]).toEqual([
      'timeZone',
      'config timeZone: "Asia/Shangai" is not a time zone: name one as the IANA database does (Asia/Shanghai, America/New_York, UTC)',
    ]);
  });

  it('numbers are read exactly as Number() reads them (the digits parsed in place)', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.integer({ min: 0, max: 17 }), fc.boolean(), (v, digits, fixed) => {
        const cell = fixed ? v.toFixed(digits) : String(v);
        const b = parseBarsCsv(`timestamp,open,high,low,close,volume\n1594944000000,${cell},1,1,1,${cell}\n`);
        expect(Object.is(b.open[0], Number(cell))).toBe(true);
        expect(Object.is(b.volume[0], Number(cell))).toBe(true);
      }),
      { numRuns: 3000 },
    );
    // Integers of 16 to 19 digits (epoch µs and ns: Binance's 2025 files, Polygon's flat files), past 2^53 rounded as Number() rounds them.
    const wide = fc.tuple(
      fc.integer({ min: 16, max: 19 }),
      fc.bigInt({ min: 0n, max: 10n ** 19n - 1n }),
      fc.constantFrom('', '-', ' '),
      fc.constantFrom('', '', '.', ' '),
    );
    fc.assert(
      fc.property(wide, ([digits, v, before, after]) => {
        const cell = before + String(v % 10n ** BigInt(digits)).padStart(digits, '1') + after;
        const b = parseBarsCsv(`timestamp,open,high,low,close,volume\n1594944000000,${cell},1,1,1,1\n`);
        expect(Object.is(b.open[0], Number(cell))).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(parseBarsCsv('ts,open,high,low,close\n1744792500000000000,1,1,1,1\n1744792560000000000,1,1,1,1\n').timestamp).toEqual(
      new Float64Array([1744792500000, 1744792560000]),
    );
    const b = parseBarsCsv('timestamp,open,high,low,close,volume\n1594944000000,.5,5.,+3,-0,1e3\n');
    expect([b.open[0], b.high[0], b.low[0], Object.is(b.close[0], -0), b.volume[0]]).toEqual([0.5, 5, 3, true, 1000]);
  });
});

describe('plain lines (read by a fast path) read as the general reader reads them', () => {
  // Cells that the fast path reads and ones it must hand to the general reader (quotes, exponents,
  // more than 15 digits with a point or 19 without, text, tabs, empty cells, a lone carriage return), in files of many lines.
  // Mostly numbers as exports write them, so that most files run many lines before an odd cell.
  const number = fc.oneof(
    { weight: 49, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String) },
    {
      weight: 49,
      arbitrary: fc.tuple(fc.double({ min: 0, max: 1e4, noNaN: true }), fc.integer({ min: 0, max: 12 })).map(([v, d]) => v.toFixed(d)),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '.5',
        '5.',
        '+3',
        '-0',
        '007',
        ' 12.5 ',
        '1e3',
        '1234567890123456',
        '12345678901234567890',
        '12345678901234.5',
        'abc',
        '',
        '1 2',
        '"4,5"',
        '4\t',
        '1\t2',
        '0x10',
        '-',
        '1\r2',
      ),
    },
  );
  const time = (i: number) =>
    fc.oneof(
      { weight: 50, arbitrary: fc.constant(String(1_594_944_000_000 + i * 60_000)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(String(1_594_944_000 + i * 60), '2020-07-17T00:00:00Z', `"${1_594_944_000_000 + i}"`, 'x', ''),
      },
    );
  const file = fc
    .tuple(fc.constantFrom(',', ';', '\t'), fc.constantFrom('\n', '\r\n'), fc.constantFrom(-1, 3, 6), fc.integer({ min: 1, max: 40 }))
    .chain(([d, eol, extra, n]) =>
      fc
        .tuple(
          ...Array.from({ length: n }, (_, i) =>
            fc.tuple(time(i), fc.array(number, { minLength: 5, maxLength: 5 }), fc.constantFrom('', 'note', '"a\nb"'), fc.nat(19)),
          ),
        )
        .map((lines) => {
          // An extra column (text, maybe quoted over two lines) in the middle, at the end or none.
          const withExtra = (cells: string[], x: string) => (extra < 0 ? cells : [...cells.slice(0, extra), x, ...cells.slice(extra)]);
          const header = withExtra(['timestamp', 'open', 'high', 'low', 'close', 'volume'], 'sym').join(d);
          const body = lines.map(([t, cells, note, blank]) => withExtra([t, ...cells], note).join(d) + (blank === 0 ? eol : ''));
          return [header, ...body].join(eol) + (n % 2 === 0 ? eol : '');
        }),
    );

  it('the same bars, or the same refusal (row, field, line), on 2,000 random files, the time unit named or not', () => {
    fc.assert(
      fc.property(file, fc.constantFrom<CsvOptions>({}, { timeUnit: 'ms' }, { timeUnit: 's' }), (text, o) => {
        expect(outcome(text, o, true)).toEqual(outcome(text, o, false));
      }),
      { numRuns: 2000 },
    );
  });

  it('with a ticker column (cells of the ticker named, of others, spaced, quoted, prefixes, empty), named or not: the same bars or refusal on 1,000 random files', () => {
    const tickerFile = fc
      .tuple(
        fc.constantFrom(',', ';'),
        fc.constantFrom('\n', '\r\n'),
        fc.constantFrom(0, 2, 6),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
      )
      .chain(([d, eol, at, n, noteFirst]) =>
        fc
          .array(
            fc.tuple(
              fc.constantFrom('AAPL', 'AAPL', 'AAPL', 'MSFT', ' AAPL', 'AAPL ', '"AAPL"', 'AAPLX', 'AAP', '', 'ticker'),
              // A first or last cell: none, text, or quoted over two lines (a quote before or after another ticker's cell).
              fc.constantFrom('', 'x', '"a\nb"'),
            ),
            { minLength: n, maxLength: n },
          )
          .map((tickers) => {
            const line = (cells: string[], x: string, note: string) => {
              const row = [...cells.slice(0, at), x, ...cells.slice(at)];
              return (noteFirst ? [note, ...row] : [...row, note]).join(d);
            };
            const body = tickers.map(([x, note], i) =>
              line([String(1_594_944_000_000 + i * 60_000), '1.5', '2', '1', '1.25', '10'], x, note),
            );
            return [line(['timestamp', 'open', 'high', 'low', 'close', 'volume'], 'ticker', 'note'), ...body].join(eol) + eol;
          }),
      );
    fc.assert(
      fc.property(tickerFile, fc.constantFrom<CsvOptions>({}, { ticker: 'AAPL' }, { ticker: 'MSFT' }), (text, o) => {
        expect(outcome(text, o, true)).toEqual(outcome(text, o, false));
      }),
      { numRuns: 1000 },
    );
  });

  it('a file of plain lines is read by the fast path: hand-worked values, a later bad cell named with its line', () => {
    const text =
      'timestamp,open,high,low,close,volume\r\n1594944000000,1.5,2,1,1.25,10\r\n1594944060000, 2.5 ,-3,+1,.5,7.\r\n1594944120000,1,2,1,2,1e2\r\n';
    expect(rows(parseBarsCsv(text))).toEqual([
      [1_594_944_000_000, 1.5, 2, 1, 1.25, 10],
      [1_594_944_060_000, 2.5, -3, 1, 0.5, 7],
      [1_594_944_120_000, 1, 2, 1, 2, 100],
    ]);
    const e = failure('timestamp,open,high,low,close,volume\n1594944000000,1,2,1,1,1\n1594944060000,1,2,1,1,1\n1594944120000,1,2,x,1,1\n');
    expect([e.index, e.field, e.message]).toEqual([2, 'low', 'bar 2: low cannot parse "x" (line 4)']);
  });
});

describe('CSV files on disk', () => {
  it('a gzipped file (.gz) reads like the same text uncompressed, whatever its compression ratio', () =>
    inTempDir((dir) => {
      // 20,000 equal rows compress ~100x: inflated in many pieces, unlike SPY hourly's ~3x.
      const flat =
        'timestamp,open,high,low,close,volume\n' +
        Array.from({ length: 20_000 }, (_, i) => `${1_600_000_000_000 + i * 60_000},10,11,9,10,5\n`).join('');
      const spy = gunzipSync(readFileSync('test/fixtures/spy_1h_19980102_20210331.csv.gz')).toString('utf8');
      for (const [name, text] of [
        ['flat', flat],
        ['spy', spy],
      ] as const) {
        const path = join(dir, `${name}.csv.gz`);
        writeFileSync(path, gzipSync(text));
        const bars = readBarsCsvFile(path);
        expect(bars.timestamp.length, name).toBe(name === 'flat' ? 20_000 : 40_832);
        expect(bars).toEqual(parseBarsCsv(text));
      }
    }));

  it('a UTF-16 file (Excel\'s "Unicode Text": a byte order mark, tabs) reads like its UTF-8 text (it was garbage)', () =>
    inTempDir((dir) => {
      const text = 'time\topen\thigh\tlow\tclose\n2020-01-02\t1\t2\t0.5\t1.5\n2020-01-03\t1.5\t2.5\t1\t2\n';
      const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      const be = Buffer.from(le);
      be.swap16();
      for (const [name, bytes] of [
        ['le.csv', le],
        ['be.csv', be],
      ] as const) {
        writeFileSync(join(dir, name), bytes);
        expect(readBarsCsvFile(join(dir, name)), name).toEqual(parseBarsCsv(text));
      }
    }));

  it('a 通达信 export in GBK (not UTF-8) reads as its text: SSE daily written as 通达信 exports it gives the same bars', () =>
    inTempDir((dir) => {
      const csv = gunzipSync(readFileSync('test/fixtures/sse_000001_1d_20061106_20200716.csv.gz')).toString('utf8');
      const bars = parseBarsCsv(csv);
      const day = (t: number) => new Date(t).toISOString().slice(0, 10).replaceAll('-', '/');
      const text =
        '999999 上证指数 日线 不复权\r\n      日期\t    开盘\t    最高\t    最低\t    收盘\t    成交量\t    成交额\r\n' +
        Array.from(
          bars.timestamp,
          (t, i) => `${day(t)}\t${bars.open[i]}\t${bars.high[i]}\t${bars.low[i]}\t${bars.close[i]}\t${bars.volume[i]}\t0.00\r\n`,
        ).join('') +
        '数据来源:通达信\r\n';
      const gbk = Buffer.from(Array.from(text, (c) => GBK[c] ?? [c.charCodeAt(0)]).flat());
      expect(new TextDecoder('gb18030').decode(gbk)).toBe(text);
      writeFileSync(join(dir, 'SH#999999.txt'), gbk);
      expect(readBarsCsvFile(join(dir, 'SH#999999.txt'))).toEqual(bars);
    }));

  it('a file in Big5 (traditional Chinese, not UTF-8) reads as its text (it was read as GB18030 and garbled)', () =>
    inTempDir((dir) => {
      const header = '日期,開盤價,最高價,最低價,收盤價,成交量\r\n';
      // Python's '日期,開盤價,最高價,最低價,收盤價,成交量'.encode('big5'): valid GB18030 too, as other characters.
      const big5Header = [
        164, 233, 180, 193, 44, 182, 125, 189, 76, 187, 249, 44, 179, 204, 176, 170, 187, 249, 44, 179, 204, 167, 67, 187, 249, 44, 166,
        172, 189, 76, 187, 249, 44, 166, 168, 165, 230, 182, 113,
      ];
      const rowsText = '2024/01/02,590,593,589,593,26059058\r\n2024/01/03,584,585,576,578,37106763\r\n';
      const bytes = Buffer.concat([Buffer.from(big5Header), Buffer.from('\r\n' + rowsText)]);
      expect(new TextDecoder('big5').decode(bytes)).toBe(header + rowsText);
      writeFileSync(join(dir, '2330.csv'), bytes);
      expect(readBarsCsvFile(join(dir, '2330.csv'))).toEqual(parseBarsCsv(header + rowsText));
    }));

  it('a file it cannot read is an InputError naming it and why (a cut or false .gz, a directory, none: they were raw Node errors)', () =>
    inTempDir((dir) => {
      const gz = readFileSync('test/fixtures/spy_1h_19980102_20210331.csv.gz');
      const cases: [string, string | Buffer | null, string][] = [
        ['cut.csv.gz', gz.subarray(0, 3000), 'the gzip data ends early (the file is cut short)'],
        ['plain.csv.gz', 'timestamp,open,high,low,close\n', 'not gzip data (the name ends in .gz)'],
        ['folder.csv', null, 'it is a directory'],
      ];
      for (const [name, content, why] of cases) {
        const path = join(dir, name);
        if (content === null) mkdirSync(path);
        else writeFileSync(path, content);
        const e = thrown(() => readBarsCsvFile(path), InputError);
        expect(e.message).toBe(`cannot read ${path}: ${why}`);
      }
      expect(thrown(() => readBarsCsvFile(join(dir, 'none.csv')), InputError).message).toBe(
        `cannot read ${join(dir, 'none.csv')}: no such file`,
      );
    }));
});

describe('CSV refusals say why and how to fix it', () => {
  it('epoch numbers too small to tell seconds from ms', () => {
    const e = failure('timestamp,open,high,low,close,volume\n1,2,3,1,2,5\n');
    expect([e.index, e.field]).toEqual([0, 'timestamp']);
    expect(e.message).toBe(
      'bar 0: timestamp "1" is too small to tell seconds from milliseconds (both would be before 1973): name the unit (--time-unit s|ms|us|ns) (line 2)',
    );
  });

  it('a decimal comma is named as the likely cause', () => {
    const e = failure('time;open;high;low;close\n2020-01-02;1,5;2;0,5;1,5\n');
    expect([e.index, e.field, e.message]).toEqual([
      0,
      'open',
      'bar 0: open cannot parse "1,5" (line 2): a decimal comma? numbers need a decimal point (1.5)',
    ]);
  });

  it("NaN prices (a minute without trades, as Kaggle's Bitstamp file has them) are named as such", () => {
    expect(failure('timestamp,open,high,low,close\n1325317920,4.39,4.39,4.39,4.39\n1325317980,NaN,NaN,NaN,NaN\n').message).toBe(
      'bar 1: open cannot parse "NaN" (line 3): a bar without trades? remove the rows with NaN',
    );
  });

  it('thousands separators and K/M/B suffixes (investing.com exports) are named as the likely cause', () => {
    const message = (price: string, volume = '5') =>
      failure(`date,open,high,low,close,volume\n2020-01-02,"${price}",2,0.5,1.5,${volume}\n`).message;
    expect(message('3,245.67')).toBe(
      'bar 0: open cannot parse "3,245.67" (line 2): thousands separators? write the number without them (3245.67)',
    );
    expect(message('-1,234,567')).toBe(
      'bar 0: open cannot parse "-1,234,567" (line 2): thousands separators? write the number without them (-1234567)',
    );
    expect(message('1', '1.23M')).toBe(
      'bar 0: volume cannot parse "1.23M" (line 2): a K, M or B suffix (thousand, million, billion)? write the whole number',
    );
    expect(message('1', '980.50k')).toContain('a K, M or B suffix');
    // Neither: a comma not in groups of three, a suffix on no number.
    expect(message('32,45.67')).toBe('bar 0: open cannot parse "32,45.67" (line 2)');
    expect(message('1', 'M')).toBe('bar 0: volume cannot parse "M" (line 2)');
  });

  it('epoch numbers too large for any unit, and empty files', () => {
    const e = failure('timestamp,open,high,low,close,volume\n1e20,2,3,1,2,5\n');
    expect([e.index, e.field, e.message]).toEqual([
      0,
      'timestamp',
      'bar 0: timestamp "1e20" is too large for epoch seconds, ms, µs or ns (all would be after the year 5138) (line 2)',
    ]);
    expect(failure('\n\n').message).toBe('bars: the file is empty');
  });

  it('a row whose epoch number is in another unit than the first row', () => {
    const e = failure('timestamp,open,high,low,close,volume\n1594944000000,2,3,1,2,5\n1595030400,2,3,1,2,6\n');
    expect([e.index, e.field, e.message]).toEqual([
      1,
      'timestamp',
      `bar 1: timestamp "1595030400" is not in ms like the first row's time: name the unit (--time-unit) (line 3)`,
    ]);
  });

  it('dates that do not exist, times that are not times and dates with the day or month first: each named with its fix', () => {
    const message = (cell: string) => failure(`date,open,high,low,close\n${cell},1,2,0.5,1.5\n`).message;
    expect(message('2020-02-30')).toBe('bar 0: timestamp "2020-02-30" is not a calendar date: 2020-02 has 29 days (line 2)');
    expect(message('2021-02-29')).toBe('bar 0: timestamp "2021-02-29" is not a calendar date: 2021-02 has 28 days (line 2)');
    expect(message('2020-13-01')).toBe('bar 0: timestamp "2020-13-01" is not a calendar date: months run 1 to 12 (line 2)');
    expect(message('2020-02-28 24:00')).toBe(
      'bar 0: timestamp "2020-02-28 24:00" is not a time of day: hours run 0 to 23, minutes and seconds 0 to 59 (line 2)',
    );
    expect(message('2020-02-28 09:60')).toContain('is not a time of day: hours run 0 to 23');
    // Day or month first: 01/02/2020 is 1 February or 2 January depending on the source.
    expect(message('01/02/2020')).toBe(
      'bar 0: timestamp "01/02/2020" has the day or month first, which sources write either way: write the year first (2020-01-02 if the month comes first, 2020-02-01 if the day does) (line 2)',
    );
    // investing.com writes the month first: where one reading only is a date, it is the one shown.
    expect(message('07/16/2020')).toBe(
      'bar 0: timestamp "07/16/2020" has the day or month first, which sources write either way: write the year first (2020-07-16) (line 2)',
    );
    expect(message('16-07-2020 09:30')).toContain('write the year first (2020-07-16)');
    // Dots are read day first: one that is still no date-time is not said to have the day or month first.
    expect(message('16.07.2020 9h30')).toBe('bar 0: timestamp "16.07.2020 9h30" is not a date, date-time or epoch number (line 2)');
    expect(message('05/05/2020')).toContain('write the year first (2020-05-05)');
    expect(message('"Jul 16, 2020"')).toBe('bar 0: timestamp "Jul 16, 2020" is not a date, date-time or epoch number (line 2)');
    expect(failure('date,time,open,high,low,close\n2020-02-28,9h30,1,2,0.5,1.5\n').message).toBe(
      'bar 0: timestamp "9h30" is not a time of day (line 2)',
    );
    expect(failure('date,time,open,high,low,close\n07/16/2020,09:30,1,2,0.5,1.5\n').message).toContain('write the year first (2020-07-16)');
  });

  it('the calendar at its edges: month ends, leap years (every 4th, not every 100th, every 400th), the last second of a day, compact dates 1900-2999', () => {
    const time = (cell: string) => parseBarsCsv(`date,open,high,low,close\n${cell},1,2,0.5,1.5\n`).timestamp[0];
    expect(time('2020-01-01')).toBe(D('2020-01-01T00:00:00Z'));
    expect(time('2020-12-31')).toBe(D('2020-12-31T00:00:00Z'));
    expect(time('2020-02-29')).toBe(D('2020-02-29T00:00:00Z'));
    expect(time('2000-02-29')).toBe(D('2000-02-29T00:00:00Z'));
    expect(time('2021-01-01 23:59:59.250')).toBe(D('2021-01-01T23:59:59.250Z'));
    expect(time('20201231')).toBe(D('2020-12-31T00:00:00Z'));
    expect(time('19000101')).toBe(D('1900-01-01T00:00:00Z'));
    expect(time('29991231')).toBe(D('2999-12-31T00:00:00Z'));
    const refused = [
      ['2021-02-29', 'is not a calendar date: 2021-02 has 28 days'],
      ['1900-02-29', 'is not a calendar date: 1900-02 has 28 days'],
      ['2020-04-31', 'is not a calendar date: 2020-04 has 30 days'],
      ['2020-13-01', 'is not a calendar date: months run 1 to 12'],
      ['2020-00-10', 'is not a calendar date: months run 1 to 12'],
      ['2020-01-00', 'is not a calendar date: 2020-01 has 31 days'],
      ['2020-01-01 23:60', 'is not a time of day: hours run 0 to 23, minutes and seconds 0 to 59'],
      ['2020-01-01 23:59:60', 'is not a time of day: hours run 0 to 23, minutes and seconds 0 to 59'],
    ];
    for (const [cell, why] of refused) {
      expect(failure(`date,open,high,low,close\n${cell},1,2,0.5,1.5\n`).message).toBe(`bar 0: timestamp "${cell}" ${why} (line 2)`);
    }
    // 8 digits in 1900-2999 that are not a day are told as such; outside those years they are epoch
    // numbers too small to tell the unit of.
    for (const cell of ['20210229', '19000229', '20201301', '20200100']) {
      expect(failure(`date,open,high,low,close\n${cell},1,2,0.5,1.5\n`).message, cell).toBe(
        `bar 0: timestamp "${cell}" is not a date (read as yyyymmdd) (line 2)`,
      );
    }
    // A later row is read as the first row's was.
    for (const cell of ['20200230', '1594944000']) {
      expect(failure(`date,open,high,low,close\n20200102,1,2,0.5,1.5\n${cell},1,2,0.5,1.5\n`).message, cell).toBe(
        `bar 1: timestamp "${cell}" is not a date like the first row's (yyyymmdd) (line 3)`,
      );
    }
    for (const cell of ['18991231', '30000101']) {
      expect(failure(`date,open,high,low,close\n${cell},1,2,0.5,1.5\n`).message, cell).toMatch(
        /^bar 0: timestamp "\d+" is too small to tell seconds/,
      );
    }
  });

  it('a missing column lists what the header has and the names accepted', () => {
    const e = failure('when,open,high,low,close_price\n1,2,3,1,2\n');
    expect([e.index, e.field]).toEqual([-1, 'header']);
    expect(e.message).toBe(
      'header: no time column among "when", "open", "high", "low", "close_price": accepted names (any case, spaces or _ ignored): time (timestamp, datetime, opentime, windowstart, ts, unixtime, unix, gmttime, localtime, time, 时间, 時間, date, tradedate, day, 日期, 交易日期)',
    );
  });

  it('a column named twice, an unclear delimiter, an unclosed quote, an empty cell, an empty file', () => {
    expect(failure('time,open,high,low,close,Close\n').message).toBe('header: columns 5 and 6 ("close", "Close") are both close: keep one');
    expect(failure('time;open,high\n').message).toBe(
      'header: cannot tell the delimiter: the first line has as many "," as ";"; name it (--delimiter)',
    );
    expect(failure('time;open;high\n', { delimiter: ';' }).message).toMatch(/^header: no low, close column/);
    expect(failure('timestamp\n1\n').message).toBe('header: cannot tell the delimiter: the first line has no comma, semicolon or tab');
    expect(failure('time,open,high,low,close\n"1594944000000,1,2,0.5,1.5\n').message).toBe(
      'bars: a quote opened on line 2 is never closed',
    );
    // Not numbers, though each starts like one (read by the plain-number path and by Number()).
    for (const cell of ['1..5', '1.5.', '--1', '+-1', '1 2', '1e', '0x']) {
      expect(failure(`timestamp,open,high,low,close,volume\n1594944000000,2,3,1,${cell},5\n`).message, cell).toBe(
        `bar 0: close cannot parse "${cell}" (line 2)`,
      );
    }
    const e = failure('timestamp,open,high,low,close,volume\n1594944000000,2,3,1,,5\n');
    expect([e.index, e.field, e.message]).toEqual([0, 'close', 'bar 0: close cannot parse "" (line 2)']);
    // A row shorter than the one before: its missing cell is empty, not the last row's.
    const short = failure('timestamp,open,high,low,close,volume\n1594944000000,2,3,1,2,5\n1595030400000,2,3,1,2\n');
    expect([short.index, short.field, short.message]).toEqual([1, 'volume', 'bar 1: volume cannot parse "" (line 3)']);
    expect(failure('').message).toBe('bars: the file is empty');
  });
});

describe('text longer than a JavaScript string holds: read in pieces split at line ends', () => {
  const spy = gunzipSync(readFileSync('test/fixtures/spy_1h_19980102_20210331.csv.gz')).toString('utf8');
  /** The text in pieces ending at the line ends after each of `at` (character positions). */
  const piecesAt = (text: string, at: readonly number[]) => {
    const cuts = [...new Set(at.map((a) => text.indexOf('\n', a) + 1).filter((c) => c > 0 && c < text.length))].sort((a, b) => a - b);
    return [0, ...cuts].map((c, i) => text.slice(c, cuts[i]));
  };

  it('the bars, and a refusal with its row and line, equal those of the whole text, on both readers', () => {
    // A title, a quoted cell over two lines and a footer (通达信's, with a note column), and a bad cell
    // near the end: each where a piece may end.
    const tdx =
      '999999 上证指数 日线\r\n日期,开盘,最高,最低,收盘,成交量,备注\r\n2020/01/02,1,2,0.5,1.5,5,"a\nb"\r\n2020/01/03,1.5,2.5,1,2,7,\r\n2020/01/06,2,3,1.5,2.5,8,\r\n数据来源:通达信\r\n';
    const bad = spy.slice(0, spy.length - 200) + 'x' + spy.slice(spy.length - 199);
    const newestFirst = [spy.split('\n')[0], ...spy.trim().split('\n').slice(1).reverse()].join('\n');
    for (const [name, text] of [
      ['SPY hourly', spy],
      ['a bad cell near the end', bad],
      ['newest first', newestFirst],
    ] as const) {
      const whole = [outcome(text, {}, true), outcome(text, {}, false)];
      expect(whole[0], name).toEqual(whole[1]);
      for (const at of [[1000], [50_000, 50_001, 900_000, 1_800_000], Array.from({ length: 40 }, (_, k) => 3000 + k * 50_000)]) {
        const pieces = piecesAt(text, at);
        expect(pieces.join(''), name).toBe(text);
        expect(pieces.length).toBeGreaterThan(1);
        for (const plain of [true, false]) expect(outcome(pieces, {}, plain), `${name} ${at.length} ${plain}`).toEqual(whole[0]);
      }
    }
    const badLine = spy.slice(0, spy.length - 200).split('\n').length;
    expect(outcome(bad, {}, true)).toEqual([badLine - 2, expect.any(String), expect.stringMatching(new RegExp(`\\(line ${badLine}\\)$`))]);
    const cuts = new Set<number>();
    for (let cut = 0; cut < tdx.length; cut++) {
      const pieces = piecesAt(tdx, [cut]);
      // Not inside the quoted cell; the first piece holds the title, the header and a row.
      if (pieces.length === 1 || pieces[0]!.split('"').length % 2 === 0 || pieces[0]!.split('\n').length < 4) continue;
      cuts.add(pieces[0]!.length);
      expect(parseBarsCsv(pieces), String(cut)).toEqual(parseBarsCsv(tdx));
    }
    // After the first row (its cell over two lines), the second and the third.
    expect(cuts.size).toBe(3);
    expect(parseBarsCsv(tdx).volume).toEqual(new Float64Array([5, 7, 8]));
  });

  it('a file is cut into pieces at line ends outside quoted cells, in every encoding it reads', () => {
    // A quoted header cell first; notes of characters whose UTF-16 code units hold the bytes of a line
    // feed or a quote (U+0A22, U+220A, U+0A0A, U+2222) without being one, and quoted ones over lines
    // with escaped quotes (a line end after three quotes); the last line without its line feed.
    const notes = ['\u0a22', '\u220a', '\u0a0a\u2222', 'x'];
    const text = (
      '"time",open,high,low,close,note\n' +
      Array.from(
        { length: 300 },
        (_, i) => `${1_600_000_000_000 + i * 60_000},1,2,0.5,1.5,${i % 7 === 3 ? '"a""\nb""""\n"' : notes[i % 4]}\n`,
      ).join('')
    ).trimEnd();
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const utf16be = Buffer.from(utf16le).swap16();
    for (const [name, bytes] of [
      ['UTF-8', Buffer.from(text)],
      ['UTF-16 LE', utf16le],
      ['UTF-16 BE', utf16be],
    ] as const) {
      for (const size of [1, 100, 1000, 5000]) {
        const pieces = csvTextPieces(bytes, size);
        expect(pieces.join(''), `${name} ${size}`).toBe(text);
        // Each at least `size` bytes, and then to the end of a record (60 bytes at most here, 120 in UTF-16).
        expect(pieces.length, `${name} ${size}`).toBeGreaterThanOrEqual(Math.min(297, bytes.length / (size + 120)));
        const bytesOf = (p: string) => (name === 'UTF-8' ? Buffer.byteLength(p) : 2 * p.length);
        const evenQuotes = (p: string) => p.split('"').length % 2 === 1;
        expect(pieces[0]!.split('\n').length, `${name} ${size}: the first piece holds four lines`).toBeGreaterThan(4);
        for (const [k, p] of pieces.slice(0, -1).entries()) {
          expect(p.endsWith('\n'), `${name} ${size}`).toBe(true);
          expect(evenQuotes(p), `${name} ${size}: an even count of quotes`).toBe(true);
          expect(bytesOf(p), `${name} ${size}: at least the size asked`).toBeGreaterThanOrEqual(size);
          // It ends at the first line end it may: none before it was past `size` bytes, outside quotes (and, in the first, after four lines).
          const before = p.slice(0, p.slice(0, -1).lastIndexOf('\n') + 1);
          const couldEnd = before !== '' && bytesOf(before) >= size + 2 && evenQuotes(before) && (k > 0 || before.split('\n').length > 4);
          expect(couldEnd, `${name} ${size} piece ${k}`).toBe(false);
        }
        expect(parseBarsCsv(pieces)).toEqual(parseBarsCsv(text));
      }
    }
    // GBK: its two-byte characters never hold 0x0A or 0x22.
    const tdx =
      '日期,开盘,最高,最低,收盘,成交量\r\n' +
      Array.from({ length: 50 }, (_, i) => `2020/01/${String((i % 28) + 1).padStart(2, '0')},1,2,0.5,1.5,7\r\n`).join('');
    const gbk = Buffer.from(Array.from(tdx, (c) => GBK[c] ?? [c.charCodeAt(0)]).flat());
    expect(csvTextPieces(gbk, 40).join('')).toBe(tdx);
    expect(csvTextPieces(gbk, 40).length).toBeGreaterThan(10);
  });

  it(
    'a 600 MB file (13 million 1-minute bars) reads whole (it was refused: "Cannot create a string longer than 0x1fffffe8 characters")',
    () =>
      inTempDir((dir) => {
        const path = join(dir, 'big.csv');
        const n = 13_000_000;
        const t0 = 1_262_304_000_000;
        const line = (i: number) =>
          `${t0 + i * 60_000},${100 + (i % 1000) / 100},${101 + (i % 1000) / 100},${99 + (i % 1000) / 100},${100.5 + (i % 1000) / 100},${i % 5000}\n`;
        const block = 100_000;
        const parts: Buffer[] = [Buffer.from('timestamp,open,high,low,close,volume\n')];
        for (let s = 0; s < n; s += block) parts.push(Buffer.from(Array.from({ length: block }, (_, j) => line(s + j)).join('')));
        writeFileSync(path, Buffer.concat(parts));
        expect(readFileSync(path).length).toBeGreaterThan(2 ** 29);
        const b = readBarsCsvFile(path);
        expect(b.timestamp.length).toBe(n);
        for (const i of [0, 1, 999, 123_456_7, n / 2, n - 1]) {
          const [t, o, h, l, c, v] = line(i).trim().split(',').map(Number);
          expect([b.timestamp[i], b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i]], String(i)).toEqual([t, o, h, l, c, v]);
        }
      }),
    120_000,
  );
});
