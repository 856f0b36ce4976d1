// Loading the configuration files from disk (Node only).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineConfig } from '../config/schema.js';
import { parseConfig } from '../config/yaml.js';
import { ConfigError } from '../core/errors.js';

/** The config/ folder shipped with the package. */
export const BUNDLED_CONFIG_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'config');

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, `cannot be read: ${(e as Error).message}`);
  }
}

/**
 * Loads default.yaml from `path` (default: the bundled one) and macd_params.yaml from the same
 * folder when it exists there, else the bundled presets.
 */
export function loadConfigFile(path = join(BUNDLED_CONFIG_DIR, 'default.yaml'), role?: 'primary' | 'backup'): EngineConfig {
  let paramsPath = join(dirname(path), 'macd_params.yaml');
  let params: string;
  try {
    params = readFileSync(paramsPath, 'utf8');
  } catch {
    paramsPath = join(BUNDLED_CONFIG_DIR, 'macd_params.yaml');
    params = readText(paramsPath);
  }
  return parseConfig(readText(path), params, role, { default: path, macdParams: paramsPath });
}
