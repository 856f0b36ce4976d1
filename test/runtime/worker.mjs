// workerd test worker: the package entry is resolved through the `workerd` export condition, which
// imports the .wasm module instead of compiling embedded bytes (Workers forbid that).
import * as api from 'chan-engine';
import { smoke } from './smoke.mjs';

export default {
  async test() {
    console.log('SMOKE ' + JSON.stringify(smoke(api)));
  },
};
