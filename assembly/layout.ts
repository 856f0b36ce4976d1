// The output table the hosts read after a call: one i32 per slot, each a count or the address of a
// column in linear memory. Every slot is exported by name (`slot_<name>`), and the hosts look the
// positions up by those names (src/engines/wasm/layout.ts), so the order is defined here only.
// The batch pipeline and the streaming kernel write the same table (table.ts).

// Merged bars.
export const slot_mCount: i32 = 0;
export const slot_mHigh: i32 = 1;
export const slot_mLow: i32 = 2;
export const slot_mDir: i32 = 3;
export const slot_mFx: i32 = 4;
export const slot_mStart: i32 = 5;
export const slot_mEnd: i32 = 6;
export const slot_mHighApex: i32 = 7;
export const slot_mLowApex: i32 = 8;
export const slot_mFractals: i32 = 9;
export const slot_mFractalCount: i32 = 10;
export const slot_mCap: i32 = 11;
// Pens.
export const slot_pCount: i32 = 12;
export const slot_pStart: i32 = 13;
export const slot_pEnd: i32 = 14;
export const slot_pDir: i32 = 15;
export const slot_pFlags: i32 = 16;
// Segments: the final ones (streaming), then those the last build added (a batch run's all).
export const slot_fCount: i32 = 17;
export const slot_fStart: i32 = 18;
export const slot_fEnd: i32 = 19;
export const slot_fDir: i32 = 20;
export const slot_fConfirmed: i32 = 21;
export const slot_fCase: i32 = 22;
export const slot_gCount: i32 = 23;
export const slot_gStart: i32 = 24;
export const slot_gEnd: i32 = 25;
export const slot_gDir: i32 = 26;
export const slot_gConfirmed: i32 = 27;
export const slot_gCase: i32 = 28;
// Segments of segments.
export const slot_ssCount: i32 = 48;
export const slot_ssStart: i32 = 49;
export const slot_ssEnd: i32 = 50;
export const slot_ssDir: i32 = 51;
export const slot_ssConfirmed: i32 = 52;
export const slot_ssCase: i32 = 53;
// Batch MACD output.
export const slot_dif: i32 = 29;
export const slot_dea: i32 = 30;
export const slot_hist: i32 = 31;
export const slot_firstValid: i32 = 32;
// Streaming state (see kernel.ts).
export const slot_free: i32 = 33;
export const slot_freeCount: i32 = 34;
export const slot_lastEnd: i32 = 35;
export const slot_tail: i32 = 36;
export const slot_nTail: i32 = 37;
export const slot_macdOut: i32 = 38;
export const slot_macdCount: i32 = 39;
export const slot_macdState: i32 = 40;
export const slot_seedCloses: i32 = 41;
export const slot_seedDifs: i32 = 42;
export const slot_baseLen: i32 = 43;
export const slot_resumeBegin: i32 = 44;
export const slot_events: i32 = 45;
export const slot_markI: i32 = 46;
export const slot_markF: i32 = 47;
// The pens as lines: the result's pen columns and the structures' pens (batch; pen-lines.ts).
export const slot_lBegin: i32 = 54;
export const slot_lEnd: i32 = 55;
export const slot_lLow: i32 = 56;
export const slot_lHigh: i32 = 57;
export const slot_lBeginRaw: i32 = 58;
export const slot_lEndRaw: i32 = 59;
export const slot_lConfirmed: i32 = 60;
export const slot_lPeak: i32 = 61;
// The structures (batch; structures.ts): pivots (zp pen level, zs segment level) and buy/sell points
// (bp, bs).
export const slot_zpCount: i32 = 62;
export const slot_zpBegin: i32 = 63;
export const slot_zpEnd: i32 = 64;
export const slot_zpBeginRaw: i32 = 65;
export const slot_zpEndRaw: i32 = 66;
export const slot_zpLow: i32 = 67;
export const slot_zpHigh: i32 = 68;
export const slot_zpMid: i32 = 69;
export const slot_zpPeakLow: i32 = 70;
export const slot_zpPeakHigh: i32 = 71;
export const slot_zpConfirmed: i32 = 72;
export const slot_zsCount: i32 = 73;
export const slot_zsBegin: i32 = 74;
export const slot_zsEnd: i32 = 75;
export const slot_zsBeginRaw: i32 = 76;
export const slot_zsEndRaw: i32 = 77;
export const slot_zsLow: i32 = 78;
export const slot_zsHigh: i32 = 79;
export const slot_zsMid: i32 = 80;
export const slot_zsPeakLow: i32 = 81;
export const slot_zsPeakHigh: i32 = 82;
export const slot_zsConfirmed: i32 = 83;
export const slot_bpCount: i32 = 84;
export const slot_bpLine: i32 = 85;
export const slot_bpTypes: i32 = 86;
export const slot_bpRelate: i32 = 87;
export const slot_bpRate: i32 = 88;
export const slot_bpHasRate: i32 = 89;
export const slot_bsCount: i32 = 90;
export const slot_bsLine: i32 = 91;
export const slot_bsTypes: i32 = 92;
export const slot_bsRelate: i32 = 93;
export const slot_bsRate: i32 = 94;
export const slot_bsHasRate: i32 = 95;
// The pivots' owners (read by the structure tests; shaping does not need them).
export const slot_zpOwner: i32 = 96;
export const slot_zsOwner: i32 = 97;
export const LAYOUT_SLOTS: i32 = 98;
