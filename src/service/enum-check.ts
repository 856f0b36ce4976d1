// A request's enum fields checked against the proto before it is sent: protobufjs encodes a name it
// does not know as 0 (UNSPECIFIED), so a misspelt LEVEL_SEGMENTS would be answered as the pen level.
// Numbers pass (a newer value the server may know; the server names one it does not).
import type { PackageDefinition } from '@grpc/proto-loader';

const PACKAGE = 'trading.v1';

interface FieldDescriptor {
  readonly name: string;
  readonly type: string;
  readonly typeName: string;
}
interface TypeOf<T> {
  readonly type: T;
}
interface MessageDescriptor {
  readonly field: readonly FieldDescriptor[];
}
interface EnumDescriptor {
  readonly value: readonly { readonly name: string }[];
}

export class EnumCheck {
  /** Per message type: whether an enum field lies anywhere under it (Kline batches are not walked). */
  private readonly holdsEnum = new Map<string, boolean>();

  constructor(private readonly definition: PackageDefinition) {}

  /** Why the request of `method` cannot be sent (an enum name its enum does not have), or null. */
  problem(method: string, request: unknown): string | null {
    const service = this.definition[`${PACKAGE}.TradingService`] as unknown as Record<string, { requestType: { type: { name: string } } }>;
    const name = service[method]?.requestType.type.name;
    return name === undefined ? null : this.visit(name, request, '');
  }

  private message(name: string): MessageDescriptor {
    return (this.definition[`${PACKAGE}.${name}`] as unknown as TypeOf<MessageDescriptor>).type;
  }

  private visit(typeName: string, value: unknown, path: string): string | null {
    if (value === null || typeof value !== 'object' || !this.enumUnder(typeName, new Set())) return null;
    for (const f of this.message(typeName).field) {
      if (f.type === 'TYPE_MESSAGE' && !this.enumUnder(f.typeName, new Set())) continue;
      const v = (value as Record<string, unknown>)[f.name];
      for (const x of Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]) {
        if (f.type === 'TYPE_ENUM' && typeof x === 'string') {
          const names = (this.definition[`${PACKAGE}.${f.typeName}`] as unknown as TypeOf<EnumDescriptor>).type.value.map((e) => e.name);
          if (!names.includes(x)) return `${path}${f.name} must be one of ${names.join(', ')}, got ${JSON.stringify(x)}`;
        } else if (f.type === 'TYPE_MESSAGE') {
          const p = this.visit(f.typeName, x, `${path}${f.name}.`);
          if (p !== null) return p;
        }
      }
    }
    return null;
  }

  private enumUnder(typeName: string, seen: Set<string>): boolean {
    const known = this.holdsEnum.get(typeName);
    if (known !== undefined) return known;
    if (seen.has(typeName)) return false;
    seen.add(typeName);
    const r = this.message(typeName).field.some(
      (f) => f.type === 'TYPE_ENUM' || (f.type === 'TYPE_MESSAGE' && this.enumUnder(f.typeName, seen)),
    );
    this.holdsEnum.set(typeName, r);
    return r;
  }
}
