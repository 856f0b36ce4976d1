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

/** A group of settings: undefined (none given) or a plain object whose keys are all `known` ('' = the options themselves). */
export function checkSettings(key: string, v: unknown, known: readonly string[], hint = ''): void {
  if (v === undefined) return;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ConfigError(key || 'options', `must be an object of settings, got ${Array.isArray(v) ? 'an array' : show(v)}`);
  }
  for (const k of Object.keys(v)) if (!known.includes(k)) throw new ConfigError(key ? `${key}.${k}` : k, `is not a known setting${hint}`);
}
