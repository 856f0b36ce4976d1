// Loads proto/trading.proto (with the standard health service, so reflection lists both).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnumCheck } from './enum-check.js';

export const PROTO_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto', 'trading.proto');
export const SERVICE_NAME = 'trading.v1.TradingService';

/** camelCase fields, enums as names, int64 as number (ms timestamps fit in 2^53); an optional field unset is absent (no virtual oneof keys). */
export const LOADER_OPTIONS: protoLoader.Options = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: false };

export interface ChanPackage {
  readonly definition: protoLoader.PackageDefinition;
  /** Refuses enum names the proto does not have before a request is sent (protobufjs would send 0). */
  readonly enums: EnumCheck;
  readonly TradingService: grpc.ServiceClientConstructor;
  readonly Health: grpc.ServiceClientConstructor;
}

let cached: ChanPackage | undefined;

/**
 * The definition reflection serves: the .proto as written (snake_case field names, as protoc names
 * things), which grpcurl, Postman and reflection clients can use; the handlers use camelCase.
 */
export function reflectionDefinition(): protoLoader.PackageDefinition {
  const definition = protoLoader.loadSync([PROTO_PATH, healthProtoPath], { ...LOADER_OPTIONS, keepCase: true });
  // Every entry lists the files it needs; each file is fixed once and shared.
  const fixed = new Map<string, Buffer>();
  const fix = (b: Buffer) => {
    const key = b.toString('base64');
    let f = fixed.get(key);
    if (f === undefined) fixed.set(key, (f = withProtocMapEntries(b)));
    return f;
  };
  // Reflection reads the files of the type entries (services carry none of their own).
  return Object.fromEntries(
    Object.entries(definition).map(([name, d]) => {
      const files = (d as { fileDescriptorProtos?: unknown }).fileDescriptorProtos;
      return [name, Array.isArray(files) ? { ...d, fileDescriptorProtos: (files as Buffer[]).map(fix) } : d];
    }),
  ) as protoLoader.PackageDefinition;
}

interface MessageDescriptor {
  name: string;
  field: { name: string; typeName?: string; label?: number }[];
  nestedType: (MessageDescriptor & { options?: { mapEntry?: boolean } })[];
}

/**
 * protobufjs names a map field's entry type after the field ("Engine_failures"); protoc names it
 * CamelCase + "Entry" ("EngineFailuresEntry") and reflection clients (grpcurl, Python's descriptor
 * pool) refuse anything else. The file descriptor with protoc's names.
 */
function withProtocMapEntries(buffer: Buffer): Buffer {
  const file = descriptor.FileDescriptorProto.decode(buffer) as unknown as { package: string; messageType: MessageDescriptor[] };
  const visit = (m: MessageDescriptor, scope: string) => {
    const path = `${scope}.${m.name}`;
    for (const f of m.field) {
      const entry = m.nestedType.find((n) => n.options?.mapEntry && (f.typeName === n.name || f.typeName === `${path}.${n.name}`));
      if (entry === undefined) continue;
      entry.name = `${f.name.replace(/(^|_)([a-z0-9])/g, (_, _u: string, c: string) => c.toUpperCase())}Entry`;
      f.typeName = `${path}.${entry.name}`;
    }
    for (const n of m.nestedType) visit(n, path);
  };
  for (const m of file.messageType) visit(m, `.${file.package}`);
  return Buffer.from(descriptor.FileDescriptorProto.encode(file as never).finish());
}

export function loadChanPackage(): ChanPackage {
  if (cached) return cached;
  const definition = protoLoader.loadSync([PROTO_PATH, healthProtoPath], LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    trading: { v1: { TradingService: grpc.ServiceClientConstructor } };
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  cached = {
    definition,
    enums: new EnumCheck(definition),
    TradingService: root.trading.v1.TradingService,
    Health: root.grpc.health.v1.Health,
  };
  return cached;
}
