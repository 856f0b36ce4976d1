// The YAML text of default.yaml and macd_params.yaml read into settings (schema.ts validates them).
// The only module that loads the YAML parser: `chan analyze` without --config never imports it.
import { parse } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { configOf, macdParamsOf, type EngineConfig, type MacdPeriods } from './schema.js';

/** The files' names in errors (their paths when read from disk). */
export interface ConfigSources {
  readonly default?: string;
  readonly macdParams?: string;
}

function parseYaml(name: string, text: string): unknown {
  try {
    return parse(text);
  } catch (e) {
    // The parser's first line says what and where; the lines after it repeat the text around it.
    const what = (e as Error).message.split('\n')[0]!.replace(/:$/, '');
    throw new ConfigError(name, `is not valid YAML: ${what}`);
  }
}

/** The parsed value of macd_params.yaml's text; none without text (the built-in presets). */
const macdParamsValue = (text?: string, name = 'macd_params.yaml'): unknown => (text === undefined ? undefined : parseYaml(name, text));

/** Parses macd_params.yaml; without text, the built-in presets. */
export function parseMacdParams(text?: string): { defaultPreset: string; presets: Record<string, MacdPeriods> } {
  return macdParamsOf(macdParamsValue(text));
}

/**
 * Parses default.yaml (and optionally macd_params.yaml). Missing keys take the built-in defaults;
 * `role` (chan serve --role) overrides system.role, whose defaults it then takes.
 */
export function parseConfig(
  defaultYaml = '',
  macdParamsYaml?: string,
  role?: 'primary' | 'backup',
  sources: ConfigSources = {},
): EngineConfig {
  return configOf(parseYaml(sources.default ?? 'default.yaml', defaultYaml), macdParamsValue(macdParamsYaml, sources.macdParams), role);
}
