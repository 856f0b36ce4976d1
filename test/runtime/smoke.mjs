// Portable smoke run of the built package: both engines on a deterministic random walk, no file,
// network or Node API. `api` is the package's entry module as the runtime resolved it. Node, Deno,
// Bun (print.mjs) and workerd (worker.mjs) must all produce the same fingerprint.
export function smoke(api) {
  const { barsFromObjects, createEmbeddedWasmEngine, tsEngine, StreamingAnalyzer, tsStreamKernel, embeddedWasmStreamKernel } = api;
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const rows = [];
  let p = 1000;
  for (let i = 0; i < 20000; i++) {
    const o = p;
    p = Math.max(1, Math.round((p + (rand() - 0.5) * 8) * 100) / 100);
    rows.push({
      timestamp: i * 60000,
      open: o,
      high: Math.max(o, p) + Math.round(rand() * 300) / 100,
      low: Math.min(o, p) - Math.round(rand() * 300) / 100,
      close: p,
      volume: 1,
    });
  }
  const bars = barsFromObjects(rows);
  const wasm = createEmbeddedWasmEngine().analyze(bars);
  const ts = tsEngine.analyze(bars);
  const key = (r) => JSON.stringify([r.merged.count, r.fractals.count, r.pens, r.segments, Array.from(r.macd.histogram.slice(-50))]);
  const last = wasm.pens.at(-1);
  // Streaming on both kernels: the snapshot after the first 3,000 bars equals batch on them.
  const head = rows.slice(0, 3000);
  const headBatch = key(tsEngine.analyze(barsFromObjects(head)));
  const streamed = [tsStreamKernel, embeddedWasmStreamKernel()].map((kernel) => {
    const s = new StreamingAnalyzer({}, { kernel });
    let events = 0;
    for (const row of head) events += s.append(row).events.length;
    return { engine: s.engine, events, equalsBatch: key(s.snapshot()) === headBatch };
  });
  return {
    bars: wasm.barCount,
    merged: wasm.merged.count,
    fractals: wasm.fractals.count,
    pens: wasm.pens.length,
    segments: wasm.segments.length,
    lastPen: [last.startRaw, last.endRaw, last.endPrice],
    lastHistogram: wasm.macd.histogram[bars.high.length - 1],
    wasmEqualsTs: key(wasm) === key(ts),
    streamed,
  };
}
