// The gRPC service and its clients (Node only): `chan-engine/service`.
export { HistoryConflictError } from '../core/errors.js';
export { BarStore } from './bar-store.js';
export { openStore } from './open-store.js';
export {
  StoreCorruptionError,
  StoreFullError,
  StoreUnavailableError,
  type SeriesInfo,
  type SeriesStore,
  type StoreStats,
  type SubmitResult,
} from './store.js';
export { ChanService, ServiceError } from './chan-service.js';
export { VERSION } from '../core/version.js';
export { ChanClient, FailoverClient, type ClientOptions, type FailoverClientOptions, type WatchOptions } from './client.js';
export { startServer, type RunningServer, type StartServerOptions } from './grpc-server.js';
export type * from './messages.js';
export { loadChanPackage, PROTO_PATH, SERVICE_NAME } from './proto.js';
