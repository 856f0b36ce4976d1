#!/usr/bin/env node
// The `chan` command line.
import { parseArgs } from 'node:util';
import { BarValidationError, ConfigError } from '../core/errors.js';
import { runAnalyze, UsageError } from './analyze-command.js';

const USAGE = `usage: chan analyze FILE.csv [--preset NAME] [--pen new_3kline|traditional] [--config FILE] [--json]

  FILE.csv   columns timestamp,open,high,low,close,volume (timestamp in ms since epoch; .csv.gz accepted)
  --preset   MACD preset from config/macd_params.yaml (standard, fast, slow, scalping)
  --pen      pen definition (default from config: new_3kline)
  --config   default.yaml to use instead of the bundled one
  --json     print the full result as JSON`;

export function main(argv: string[]): number {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        preset: { type: 'string' },
        pen: { type: 'string' },
        config: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    const [command, file, ...rest] = positionals;
    if (command !== 'analyze' || file === undefined || rest.length > 0) throw new UsageError('expected: chan analyze FILE.csv');
    process.stdout.write(runAnalyze({ file, preset: values.preset, pen: values.pen, config: values.config, json: values.json }) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`chan: ${(e as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof BarValidationError || e instanceof ConfigError) {
      process.stderr.write(`chan: ${e.message}\n`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') {
      process.stderr.write(`chan: cannot read ${err.path ?? 'file'}: no such file\n`);
      return 1;
    }
    throw e;
  }
}

// A closed pipe (e.g. `| head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
process.exitCode = main(process.argv.slice(2));
