// `chan chart` in a real browser (headless Chromium): the file opens offline without a request or
// an error, draws, and draws each layer where the chart's own coordinate API puts the analysis's
// points: pixels read back from the chart (takeScreenshot) carry the layer's colour there, and not
// once the layer is switched off.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../src/engines/ts/pipeline.js';
import { readBarsCsvFile } from '../src/node/csv-file.js';
import { frames, launchBrowser, openChart, type PageLog } from './support/browser.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SAMPLE = join(ROOT, 'data/sse_000001_1d.csv');
const BARS = readBarsCsvFile(SAMPLE);
const R = analyze(BARS);
const DIR = mkdtempSync(join(tmpdir(), 'chan-chart-'));
const chan = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), ...args], { cwd: ROOT, encoding: 'utf8' });

/** A point of the price pane to probe: a bar time (ms) and a price. */
interface At {
  readonly time: number;
  readonly price: number;
}

/**
 * Which of `samples` points evenly inside the straight line a..b (in pixels, from the chart's
 * timeToCoordinate and priceToCoordinate; 0 = one per pixel) have a pixel of `color` within
 * `radius` px: '#' for those, '.' for the others. Runs in the page.
 */
function lineTrace(page: Page, a: At, b: At, color: string, samples: number, radius = 2): Promise<string> {
  return page.evaluate(
    (a, b, color, samples, radius) => {
      const c = (window as unknown as { chanChart: any }).chanChart;
      const ts = c.chart.timeScale();
      const x0 = ts.timeToCoordinate(a.time / 1000),
        x1 = ts.timeToCoordinate(b.time / 1000);
      const y0 = c.candles.priceToCoordinate(a.price),
        y1 = c.candles.priceToCoordinate(b.price);
      if ([x0, x1, y0, y1].some((v) => v === null)) throw new Error('point not on the chart');
      const shot: HTMLCanvasElement = c.chart.takeScreenshot();
      const px = shot.getContext('2d')!.getImageData(0, 0, shot.width, shot.height).data;
      const want = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
      const near = (x: number, y: number) => {
        for (let dy = -radius; dy <= radius; dy++)
          for (let dx = -radius; dx <= radius; dx++) {
            const k = (Math.round(y + dy) * shot.width + Math.round(x + dx)) * 4;
            if (Math.hypot(px[k]! - want[0]!, px[k + 1]! - want[1]!, px[k + 2]! - want[2]!) < 40) return true;
          }
        return false;
      };
      const n = samples || Math.round(Math.hypot(x1 - x0, y1 - y0));
      let trace = '';
      for (let s = 1; s <= n; s++) {
        const f = s / (n + 1);
        trace += near(x0 + f * (x1 - x0), y0 + f * (y1 - y0)) ? '#' : '.';
      }
      return trace;
    },
    a,
    b,
    color,
    samples,
    radius,
  );
}

/** How many of 7 points inside the line a..b have the colour within 2 px. */
const lineHits = async (page: Page, a: At, b: At, color: string) => (await lineTrace(page, a, b, color, 7)).split('#').length - 1;

/** Gaps in the line a..b (runs of 2 or more pixels without the colour within 1 px): dashes. */
const gaps = async (page: Page, a: At, b: At, color: string) => (await lineTrace(page, a, b, color, 0, 1)).match(/\.{2,}/g)?.length ?? 0;

/** Shows bars [from, to] (positions in the chart) and waits for the redraw. */
async function show(page: Page, from: number, to: number): Promise<void> {
  await page.evaluate(
    (from, to) => (window as unknown as { chanChart: any }).chanChart.chart.timeScale().setVisibleLogicalRange({ from, to }),
    from,
    to,
  );
  await frames(page);
}

async function toggle(page: Page, layer: string): Promise<void> {
  await page.click(`label[data-layer="${layer}"] input`);
  await frames(page);
}

/** Runs `fn` with `layers` switched off, and switches them back on (also when `fn` fails). */
async function withOff<T>(page: Page, layers: string[], fn: () => Promise<T>): Promise<T> {
  for (const l of layers) await toggle(page, l);
  try {
    return await fn();
  } finally {
    for (const l of layers) await toggle(page, l);
  }
}

const colorOf = (page: Page, layer: string) =>
  page.evaluate(
    (layer) =>
      (window as unknown as { chanChart: { layers: { key: string; color: string }[] } }).chanChart.layers.find((l) => l.key === layer)!
        .color,
    layer,
  );

describe('chan chart in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  let log: PageLog;
  const file = join(DIR, 'sample.html');

  beforeAll(async () => {
    const r = chan('chart', 'data/sse_000001_1d.csv', '-o', file);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    browser = await launchBrowser();
    ({ page, log } = await openChart(browser, file));
  }, 120_000);
  afterAll(() => browser?.close());

  it('opens from disk with no request but the file itself and no console error', () => {
    expect(log.requests).toEqual([`file://${file}`]);
    expect(log.errors).toEqual([]);
  });

  it('the price and MACD panes are drawn (not blank)', async () => {
    const inked = await page.evaluate(() => {
      const c = (window as unknown as { chanChart: any }).chanChart;
      const shot: HTMLCanvasElement = c.chart.takeScreenshot();
      const px = shot.getContext('2d')!.getImageData(0, 0, shot.width, shot.height).data;
      const [top, bottom] = c.chart.panes().map((p: { getHeight(): number }) => p.getHeight());
      // Share of pixels that are not the background, in each pane (the price axis excluded).
      const inkIn = (y0: number, y1: number) => {
        let ink = 0,
          all = 0;
        for (let y = y0; y < y1; y++)
          for (let x = 0; x < shot.width - 80; x++, all++) {
            const k = (y * shot.width + x) * 4;
            if (px[k]! + px[k + 1]! + px[k + 2]! < 700) ink++;
          }
        return ink / all;
      };
      return [inkIn(0, top), inkIn(top + 1, top + 1 + bottom)];
    });
    expect(inked[0]).toBeGreaterThan(0.05);
    expect(inked[1]).toBeGreaterThan(0.02);
  });

  it('pens are drawn where the chart puts their ends, and vanish when switched off', async () => {
    const color = await colorOf(page, 'pens');
    expect(color).toBe('#2962ff');
    const probe = async () => {
      const hits: number[] = [];
      for (const i of [40, 100, 160]) {
        const p = R.pens[i]!;
        expect(p.confirmed).toBe(true);
        await show(page, p.startRaw - 5, p.endRaw + 5);
        hits.push(await lineHits(page, { time: p.startTime, price: p.startPrice }, { time: p.endTime, price: p.endPrice }, color));
      }
      return hits;
    };
    expect((await probe()).every((h) => h >= 5)).toBe(true);
    expect((await withOff(page, ['pens'], probe)).every((h) => h <= 1)).toBe(true);
  });

  it('a confirmed pen is solid, the provisional one dashed (seen alone: the other layers switched off)', async () => {
    const others = ['candles', 'segments', 'segmentsOfSegments', 'penPivots', 'segmentPivots', 'penPoints', 'segmentPoints'];
    const color = await colorOf(page, 'pens');
    const gapsOf = async (i: number) => {
      const p = R.pens[i]!;
      await show(page, p.startRaw - 5, p.endRaw + 5);
      return gaps(page, { time: p.startTime, price: p.startPrice }, { time: p.endTime, price: p.endPrice }, color);
    };
    const last = R.pens.at(-1)!;
    expect([R.pens[100]!.confirmed, last.confirmed]).toEqual([true, false]);
    const [solid, dashed] = await withOff(page, others, async () => [await gapsOf(100), await gapsOf(last.index)]);
    expect(solid).toBe(0);
    // Dashes of 6 px with gaps of 5: a gap every 11 px along the line (this one is about 380 px long).
    expect(dashed).toBeGreaterThanOrEqual(20);
  });

  it('segments are drawn over their first pen start to last pen end, and vanish when switched off', async () => {
    const color = await colorOf(page, 'segments');
    const probe = async () => {
      const hits: number[] = [];
      for (const i of [5, 12, 20]) {
        const s = R.segments[i]!;
        await show(page, s.startRaw - 5, s.endRaw + 5);
        hits.push(await lineHits(page, { time: s.startTime, price: s.startPrice }, { time: s.endTime, price: s.endPrice }, color));
      }
      return hits;
    };
    expect((await probe()).every((h) => h >= 5)).toBe(true);
    expect((await withOff(page, ['segments'], probe)).every((h) => h <= 1)).toBe(true);
  });

  it('a pen pivot is a box from its first to its last bar, low to high (its border in the layer colour)', async () => {
    const color = await colorOf(page, 'penPivots');
    const z = R.pivots.pen.find((p) => p.confirmed && p.endRaw - p.startRaw > 30 && p.high - p.low > 60)!;
    await show(page, z.startRaw - 10, z.endRaw + 10);
    const edges = async () => [
      await lineHits(page, { time: z.startTime, price: z.high }, { time: z.endTime, price: z.high }, color),
      await lineHits(page, { time: z.startTime, price: z.low }, { time: z.endTime, price: z.low }, color),
      await lineHits(page, { time: z.startTime, price: z.low }, { time: z.startTime, price: z.high }, color),
    ];
    const on = await edges();
    expect(on.every((h) => h >= 5)).toBe(true);
    // Not drawn a bar further out, nor a fifth of its height above.
    const beyond = z.high + (z.high - z.low) / 5;
    expect(await lineHits(page, { time: z.startTime, price: beyond }, { time: z.endTime, price: beyond }, color)).toBeLessThanOrEqual(1);
    expect((await withOff(page, ['penPivots'], edges)).every((h) => h <= 1)).toBe(true);
  });

  it('buy/sell points are marked at their bar, below for a buy, labelled with their types', async () => {
    const b1 = R.buySellPoints.pen.find((p) => p.side === 'buy' && p.types[0] === '1')!;
    await show(page, b1.rawIndex - 30, b1.rawIndex + 30);
    const markerInk = () =>
      page.evaluate(
        (time, low) => {
          const c = (window as unknown as { chanChart: any }).chanChart;
          const x = Math.round(c.chart.timeScale().timeToCoordinate(time / 1000));
          const y = Math.round(c.candles.priceToCoordinate(low));
          const shot: HTMLCanvasElement = c.chart.takeScreenshot();
          const px = shot.getContext('2d')!.getImageData(x - 3, y, 7, 40).data;
          let n = 0; // pixels of the buy colour #1b5e20 in the 40 px under the bar's low
          for (let k = 0; k < px.length; k += 4) if (Math.hypot(px[k]! - 0x1b, px[k + 1]! - 0x5e, px[k + 2]! - 0x20) < 40) n++;
          return n;
        },
        b1.time,
        BARS.low[b1.rawIndex]!,
      );
    expect(await markerInk()).toBeGreaterThanOrEqual(6);
    expect(await withOff(page, ['penPoints'], markerInk)).toBe(0);
  });

  it('the MACD pane: histogram bars in the colour of their sign, between zero and the value', async () => {
    const h = R.macd.histogram;
    let up = R.macd.firstValid;
    for (let i = up; i < h.length; i++) if (h[i]! > h[up]!) up = i;
    let down = R.macd.firstValid;
    for (let i = down; i < h.length; i++) if (h[i]! < h[down]!) down = i;
    const bar = (i: number) =>
      page.evaluate(
        (time, value) => {
          const c = (window as unknown as { chanChart: any }).chanChart;
          const shot: HTMLCanvasElement = c.chart.takeScreenshot();
          const [top] = c.chart.panes().map((p: { getHeight(): number }) => p.getHeight());
          const x = Math.round(c.chart.timeScale().timeToCoordinate(time / 1000));
          const y0 = c.macdSeries.priceToCoordinate(0) + top + 1,
            y1 = c.macdSeries.priceToCoordinate(value * 0.8) + top + 1;
          const px = shot.getContext('2d')!.getImageData(x, Math.round((y0 + y1) / 2), 1, 1).data;
          return `#${[px[0], px[1], px[2]].map((v) => v!.toString(16).padStart(2, '0')).join('')}`;
        },
        BARS.timestamp[i]!,
        h[i]!,
      );
    await show(page, up - 20, up + 20);
    expect(await bar(up)).toBe('#089981');
    await show(page, down - 20, down + 20);
    expect(await bar(down)).toBe('#f23645');
  });

  it('the crosshair read-out gives the bar under the mouse, its OHLC, and the pen and segment it lies on', async () => {
    const p = R.pens[100]!;
    const i = Math.floor((p.startRaw + p.endRaw) / 2);
    await show(page, p.startRaw - 5, p.endRaw + 5);
    const x = await page.evaluate(
      (t) => (window as unknown as { chanChart: any }).chanChart.chart.timeScale().timeToCoordinate(t / 1000),
      BARS.timestamp[i]!,
    );
    const box = (await (await page.$('#chart'))!.boundingBox())!;
    await page.mouse.move(box.x + x, box.y + 100);
    await frames(page);
    const info = await page.$eval('#info', (e) => e.textContent);
    const seg = R.segments.find((s) => s.startRaw <= i && i < s.endRaw)!;
    expect(info).toContain(`bar ${i}`);
    expect(info).toContain(`O ${BARS.open[i]} H ${BARS.high[i]} L ${BARS.low[i]} C ${BARS.close[i]}`);
    expect(info).toContain(`pen 100 ${p.direction} ${p.startPrice} → ${p.endPrice}`);
    expect(info).toContain(`segment ${seg.index} ${seg.direction}`);
  });

  it('a series too short for a pen or a MACD value (1 bar, 5 bars) opens without an error', async () => {
    for (const n of [1, 5]) {
      const csv = join(DIR, `short-${n}.csv`);
      writeFileSync(
        csv,
        readFileSync(SAMPLE, 'utf8')
          .split('\n')
          .slice(0, n + 1)
          .join('\n') + '\n',
      );
      const html = join(DIR, `short-${n}.html`);
      const r = chan('chart', csv, '-o', html);
      expect(r.stdout).toContain(`: ${n} bar${n === 1 ? '' : 's'}, 2006-11-06 00:00`);
      const opened = await openChart(browser, html);
      try {
        expect(opened.log.errors).toEqual([]);
        expect(await opened.page.$eval('#info', (e) => e.textContent)).toContain(`bar ${n - 1}`);
      } finally {
        await opened.page.close();
      }
    }
  });

  it('the 239,550-bar SSE 1-minute series opens, draws and has its last pen in view', async () => {
    const big = join(DIR, 'big.html');
    const r = chan('chart', 'bench/data/sse_000001_1m_20150105_20190212.csv.gz', '-o', big);
    expect(r.status).toBe(0);
    const opened = await openChart(browser, big);
    try {
      expect(opened.log.errors).toEqual([]);
      expect(opened.log.requests).toEqual([`file://${big}`]);
      const shown = await opened.page.evaluate(() => {
        const c = (window as unknown as { chanChart: any }).chanChart;
        return { count: c.data.count, range: c.chart.timeScale().getVisibleLogicalRange() };
      });
      expect(shown.count).toBe(239_550);
      expect(shown.range.to).toBeGreaterThan(239_549);
      expect(shown.range.from).toBeLessThan(239_549 - 1000);
    } finally {
      await opened.page.close();
    }
  }, 120_000);
});
