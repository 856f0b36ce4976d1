// The service's packages (gRPC, SQLite, PostgreSQL, logging, metrics) are optional peer dependencies:
// npm does not install them with chan-engine, so the library and `chan analyze` need no native build.
// What is missing, and what to install, is said from package.json's list.
import { readFileSync } from 'node:fs';

/** The optional peer dependencies of package.json, with their version ranges. */
export function peerPackages(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    peerDependencies: Record<string, string>;
  };
  return pkg.peerDependencies;
}

/** The peer package whose absence made an import fail, or undefined when `e` is another error. */
export function missingPeer(e: unknown): string | undefined {
  if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  const name = /Cannot find package '([^']+)'/.exec((e as Error).message)?.[1];
  return name !== undefined && name in peerPackages() ? name : undefined;
}
