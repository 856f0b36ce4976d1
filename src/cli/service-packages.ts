// The service's packages (gRPC, SQLite, logging, metrics) are optional peer dependencies: npm does
// not install them with chan-engine, so the library and `chan analyze` need no native build. A
// command that needs them and finds them missing says what to install.
import { readFileSync } from 'node:fs';
import { ChanEngineError } from '../core/errors.js';

/** Loads a command module that uses the service's packages. */
export async function importServiceCommand<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const missing = /Cannot find package '([^']+)'/.exec((e as Error).message)?.[1];
    const peers = servicePackages();
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || missing === undefined || !(missing in peers)) throw e;
    const install = Object.entries(peers)
      .map(([name, range]) => `${name}@${range}`)
      .join(' ');
    throw new ChanEngineError(
      `chan ${command} needs the service's packages, which npm does not install with chan-engine (${missing} is missing): npm install ${install}`,
    );
  }
}

/** The optional peer dependencies of package.json, with their version ranges. */
export function servicePackages(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    peerDependencies: Record<string, string>;
  };
  return pkg.peerDependencies;
}
