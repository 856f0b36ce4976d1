// Prints the smoke fingerprint of the built package's default entry (node, deno, bun).
import * as api from '../../dist/index.js';
import { smoke } from './smoke.mjs';

console.log(JSON.stringify(smoke(api)));
