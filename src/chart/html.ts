// The chart file: one HTML page holding the chart data and the page script (lightweight-charts
// included), with a content security policy that forbids every request.
import { VERSION } from '../core/version.js';
import type { ChartData } from './chart-data.js';
import { CHART_LIBRARY_VERSION, CHART_PAGE_SCRIPT } from './generated/chart-page-script.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON that cannot end its <script> element early ("</script>" in a title). */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

const STYLE = `
html, body { margin: 0; height: 100%; font: 13px/1.4 system-ui, sans-serif; color: #222; background: #fff; }
body { display: flex; flex-direction: column; }
header { padding: 8px 12px 4px; border-bottom: 1px solid #e0e3eb; }
h1 { font-size: 16px; margin: 0; }
.sub { margin: 0; color: #666; }
#legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 4px; }
#legend label { display: inline-flex; align-items: center; gap: 4px; cursor: pointer; user-select: none; }
.swatch { display: inline-block; width: 14px; height: 4px; border-radius: 2px; }
#info { margin-top: 4px; min-height: 1.4em; font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; }
#chart { flex: 1; min-height: 300px; position: relative; }
footer { padding: 2px 12px; font-size: 11px; color: #888; border-top: 1px solid #e0e3eb; }
footer a { color: inherit; }`;

/** The HTML of a chart of `data` (see chartData). */
export function renderChartHtml(data: ChartData): string {
  const title = escapeHtml(data.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="chan-engine ${VERSION}">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${title}</h1>
<p class="sub">${escapeHtml(data.subtitle)}</p>
<div id="legend"></div>
<div id="info"></div>
</header>
<main id="chart"></main>
<footer>Drawn by chan-engine ${VERSION} with TradingView Lightweight Charts™ ${CHART_LIBRARY_VERSION} (Apache License 2.0), Copyright (c) TradingView, Inc., <a href="https://www.tradingview.com/">https://www.tradingview.com/</a>. Times are UTC.</footer>
<script id="chan-chart-data" type="application/json">${scriptJson(data)}</script>
<script>${CHART_PAGE_SCRIPT}</script>
</body>
</html>
`;
}
