// The module's exports: the batch pipeline (pipeline.ts) and the streaming kernel (kernel.ts). A
// batch instance and a streaming instance are separate (never mixed in one instance).
export { prepare, lowOffset, closeOffset, structureOptionsOffset, scratch, run, layout } from './pipeline';
export { levelStructures } from './structures';
export { streamInit, streamStep, streamLoaded, streamDrop, streamLayout } from './kernel';
export { penSetState } from './pens';
export { mergeSetCounts, mergeReserve } from './merge';
export { macdRestore } from './macd';
export { segSetState } from './segments';
export * from './layout';
export {
  O_DIVERGENCE,
  O_MIN_PIVOTS,
  O_MAX_BSP2,
  O_BSP1_PEAK,
  O_BSP2_FOLLOW1,
  O_BSP3_FOLLOW1,
  O_BSP3_PEAK,
  O_BSP2S_FOLLOW2,
  O_MAX_BSP2S_LEVEL,
  O_STRICT_BSP3,
  O_BSP3A_MAX_PIVOTS,
  O_TYPES,
  SIDE_OPTIONS,
} from './points';
export { STRUCTURE_OPTIONS } from './structures';
