// A command that needs the service's packages (optional peer dependencies: src/node/peer-packages.ts)
// and finds them missing says what to install.
import { ChanEngineError } from '../core/errors.js';
import { missingPeer, peerPackages } from '../node/peer-packages.js';

/** Loads a command module that uses the service's packages. */
export async function importServiceCommand<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const missing = missingPeer(e);
    if (missing === undefined) throw e;
    const install = Object.entries(peerPackages())
      .map(([name, range]) => `${name}@${range}`)
      .join(' ');
    throw new ChanEngineError(
      `chan ${command} needs the service's packages, which npm does not install with chan-engine (${missing} is missing): npm install ${install}`,
    );
  }
}
