// The YAML text of default.yaml and macd_params.yaml read into settings (schema.ts validates them).
// The only module that loads the YAML parser: `chan analyze` without --config never imports it.
import { parse } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { configOf, macdParamsOf, type EngineConfig, type MacdPeriods } from './schema.js';

function parseYaml(name: string, text: string): unknown {
  try {
    return parse(text);
  } catch (e) {
    throw new ConfigError(name, `is not valid YAML: ${(e as Error).message}`);
  }
}

/** The parsed value of macd_params.yaml's text; none without text (the built-in presets). */
const macdParamsValue = (text?: string): unknown => (text === undefined ? undefined : parseYaml('macd_params', text));

/** Parses macd_params.yaml; without text, the built-in presets. */
export function parseMacdParams(text?: string): { defaultPreset: string; presets: Record<string, MacdPeriods> } {
  return macdParamsOf(macdParamsValue(text));
}

/**
 * Parses default.yaml (and optionally macd_params.yaml). Missing keys take the built-in defaults;
 * `role` (chan serve --role) overrides system.role, whose defaults it then takes.
 */
export function parseConfig(defaultYaml = '', macdParamsYaml?: string, role?: 'primary' | 'backup'): EngineConfig {
  return configOf(parseYaml('default', defaultYaml), macdParamsValue(macdParamsYaml), role);
}
