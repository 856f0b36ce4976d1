// Loads proto/trading.proto (with the standard health service, so reflection lists both).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROTO_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto', 'trading.proto');
export const SERVICE_NAME = 'chan.v1.ChanService';

/** camelCase fields, enums as names, int64 as number (ms timestamps fit in 2^53). */
export const LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true };

export interface ChanPackage {
  readonly definition: protoLoader.PackageDefinition;
  readonly ChanService: grpc.ServiceClientConstructor;
  readonly Health: grpc.ServiceClientConstructor;
}

let cached: ChanPackage | undefined;

export function loadChanPackage(): ChanPackage {
  if (cached) return cached;
  const definition = protoLoader.loadSync([PROTO_PATH, healthProtoPath], LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    chan: { v1: { ChanService: grpc.ServiceClientConstructor } };
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  cached = { definition, ChanService: root.chan.v1.ChanService, Health: root.grpc.health.v1.Health };
  return cached;
}
