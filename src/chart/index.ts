// chan-engine/chart: an analysis as a self-contained interactive HTML chart (no request, opens from
// disk). Portable: no Node-only API, so a service or a worker can serve the string.
import type { Bars } from '../core/types.js';
import { chartData, type ChartAnalysis, type ChartOptions } from './chart-data.js';
import { renderChartHtml } from './html.js';

export { chartData, type ChartAnalysis, type ChartData, type ChartOptions } from './chart-data.js';
export { renderChartHtml } from './html.js';

/**
 * The chart of `bars` and their analysis (an AnalysisResult) as one HTML page: candles, merged bars,
 * pens, segments, segments of segments, pivots, buy/sell points and the MACD, each layer switchable.
 */
export function chartHtml(bars: Bars, analysis: ChartAnalysis, options: ChartOptions = {}): string {
  return renderChartHtml(chartData(bars, analysis, options));
}
