// The gRPC service and its clients (Node only): `chan-engine/service`.
export { HistoryConflictError } from '../core/errors.js';
export { BarStore, type SeriesInfo, type StoreStats, type SubmitResult } from './bar-store.js';
export { ChanService, ServiceError } from './chan-service.js';
export { VERSION } from '../core/version.js';
export { ChanClient, FailoverClient, type ClientOptions, type FailoverClientOptions } from './client.js';
export { startServer, type RunningServer, type StartServerOptions } from './grpc-server.js';
export type * from './messages.js';
export { loadChanPackage, PROTO_PATH, SERVICE_NAME } from './proto.js';
