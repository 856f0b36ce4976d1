// The `chan-engine/config` entry: the YAML configuration (default.yaml, macd_params.yaml) read into
// options. A separate entry so that importing the engines does not load a YAML parser (portable).
export { parseConfig, parseMacdParams } from './yaml.js';
export {
  withMacdPreset,
  type EngineConfig,
  type MacdPeriods,
  type PostgresConfig,
  type ServiceConfig,
  type StoreLocation,
} from './schema.js';
