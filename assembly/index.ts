// The module's exports: the batch pipeline (pipeline.ts) and the streaming kernel (kernel.ts). A
// batch instance and a streaming instance are separate (never mixed in one instance).
export { prepare, lowOffset, closeOffset, run, layout } from './pipeline';
export { streamInit, streamStep, streamLoaded, streamDrop, streamLayout } from './kernel';
export { penSetState } from './pens';
export { mergeSetCounts, mergeReserve } from './merge';
export { macdRestore } from './macd';
export { segSetState } from './segments';
export * from './layout';
