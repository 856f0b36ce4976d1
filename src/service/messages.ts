// The shapes of proto/trading.proto messages as @grpc/proto-loader decodes and encodes them
// (camelCase fields, enums as names, int64 as number). Absent `optional` fields are undefined.

export interface Kline {
  timestamp: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface SeriesRequest {
  symbol?: string;
  timeframe?: string;
}

export interface SubmitKlinesRequest extends SeriesRequest {
  klines?: Kline[];
  timestampUnit?: string;
}

export interface SubmitKlinesResponse {
  received: number;
  inserted: number;
  updated: number;
  unchanged: number;
  storedCount: number;
  lastTimestamp: number;
  warnings: string[];
}

export interface PenOptions {
  definition?: string;
  minKlinesBetweenTurns?: number | null;
  fractalCheck?: string;
  endIsPeak?: boolean | null;
}

export interface PenMessage {
  index: number;
  direction: 'DIRECTION_UP' | 'DIRECTION_DOWN';
  startTime: number;
  endTime: number;
  startPrice: number;
  endPrice: number;
  startBar: number;
  endBar: number;
  confirmed: boolean;
}

export interface SegmentMessage extends PenMessage {
  startPen: number;
  endPen: number;
  endCase: number;
}

export interface CalculatePensRequest extends SeriesRequest {
  lastN?: number;
  pen?: PenOptions | null;
  confirmedOnly?: boolean;
}

export interface CalculatePensResponse {
  pens: PenMessage[];
  total: number;
  barCount: number;
  engine: string;
  cached: boolean;
}

export interface CalculateSegmentsRequest extends CalculatePensRequest {
  level?: string;
}

export interface GetKlinesRequest extends SeriesRequest {
  lastN?: number;
}

export interface GetKlinesResponse {
  klines: Kline[];
  firstIndex: number;
  barCount: number;
}

export interface CalculateSegmentsResponse {
  segments: SegmentMessage[];
  total: number;
  barCount: number;
  engine: string;
  cached: boolean;
}

export interface GetMACDRequest extends SeriesRequest {
  lastN?: number;
  preset?: string;
  fast?: number | null;
  slow?: number | null;
  signal?: number | null;
  seed?: string;
  histogramScale?: number | null;
}

export interface MacdPoint {
  timestamp: number;
  dif: number;
  dea: number;
  histogram: number;
}

export interface GetMACDResponse {
  points: MacdPoint[];
  fast: number;
  slow: number;
  signal: number;
  barCount: number;
  engine: string;
  cached: boolean;
}

export interface PointOptionsMessage {
  divergenceRate?: number | null;
  minPivotCount?: number | null;
  bsp1OnlyMultiLinePivot?: boolean | null;
  maxBsp2Rate?: number | null;
  bsp1Peak?: boolean | null;
  bsp2Follow_1?: boolean | null;
  bsp3Follow_1?: boolean | null;
  bsp3Peak?: boolean | null;
  bsp2sFollow_2?: boolean | null;
  maxBsp2sLevel?: number | null;
  strictBsp3?: boolean | null;
  bsp3aMaxPivotCount?: number | null;
  types?: string[];
}

export interface StructureOptionsMessage {
  combinePivots?: boolean | null;
  points?: PointOptionsMessage | null;
  buy?: PointOptionsMessage | null;
  sell?: PointOptionsMessage | null;
}

export interface StructureRequest extends SeriesRequest {
  level?: string;
  lastN?: number;
  pen?: PenOptions | null;
  options?: StructureOptionsMessage | null;
}

export interface PivotMessage {
  index: number;
  startLine: number;
  endLine: number;
  startBar: number;
  endBar: number;
  startTime: number;
  endTime: number;
  low: number;
  high: number;
  mid: number;
  peakLow: number;
  peakHigh: number;
  confirmed: boolean;
  enteringLine: number;
  leavingLine?: number;
}

export interface BuySellPointMessage {
  line: number;
  bar: number;
  time: number;
  price: number;
  side: 'SIDE_BUY' | 'SIDE_SELL';
  types: string[];
  confirmed: boolean;
  divergenceRate?: number;
  relatedLine?: number;
}

export interface CalculatePivotsResponse {
  pivots: PivotMessage[];
  total: number;
  barCount: number;
  engine: string;
  cached: boolean;
}

export interface GetBuySellPointsResponse {
  points: BuySellPointMessage[];
  total: number;
  barCount: number;
  engine: string;
  cached: boolean;
}

export interface HealthCheckRequest {
  deep?: boolean;
}

export interface HealthCheckResponse {
  serving: boolean;
  degraded: boolean;
  activeEngine: string;
  activeRole: string;
}

export interface StreamAnalysisRequest extends SeriesRequest {
  pen?: PenOptions | null;
  initialLastN?: number;
  options?: StructureOptionsMessage | null;
}

export interface AnalysisEventMessage {
  type: string;
  index: number;
  pen?: PenMessage;
  segment?: SegmentMessage;
  level?: string;
  pivot?: PivotMessage;
  point?: BuySellPointMessage;
  reason?: string;
}

export interface AnalysisUpdate {
  initial: boolean;
  barIndex: number;
  timestamp: number;
  replaced: boolean;
  macd: MacdPoint;
  events: AnalysisEventMessage[];
  barCount: number;
}

export interface GetStatusResponse {
  activeEngine: string;
  activeRole: string;
  degraded: boolean;
  primaryEngine: string;
  backupEngine: string;
  primaryLoaded: boolean;
  failoverCount: number;
  switches: { at: string; from: string; to: string; reason: string }[];
  engineFailures: Record<string, number>;
  engineCalls: number;
  methods: { method: string; calls: number; errors: number }[];
  cacheHits: number;
  cacheMisses: number;
  cacheBytes: number;
  streamBytes: number;
  hotSeries: number;
  hotSeriesBytes: number;
  hotAnswers: number;
  serverRole: string;
  version: string;
  nodeVersion: string;
  sqliteVersion: string;
  store: {
    kind: string;
    series: number;
    bars: number;
    fileBytes: number;
    path: string;
    journalMode: string;
    synchronous: string;
    serverVersion: string;
  };
  uptimeSeconds: number;
  lastError: string;
  streams: { symbol: string; timeframe: string; subscribers: number; bars: number; restored: boolean; engine: string }[];
}
