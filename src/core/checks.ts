// Value checks shared by programmatic options and the YAML configuration; each names its key.
import { ConfigError } from './errors.js';

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

export function checkInt(key: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(key, `must be an integer from ${min} to ${max}, got ${show(v)}`);
  }
  return v;
}

export function checkNumber(key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(key, `must be a number, got ${show(v)}`);
  return v;
}

export function checkBool(key: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(key, `must be true or false, got ${show(v)}`);
  return v;
}

export function checkOneOf<T extends string>(key: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(key, `must be one of ${allowed.join(', ')}, got ${show(v)}`);
  }
  return v as T;
}
