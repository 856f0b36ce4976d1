// The WASM output table is defined once (assembly/layout.ts) and read by name: the host's slot list
// and the module's exported slot positions must match exactly.
import { describe, expect, it } from 'vitest';
import { embeddedWasmBytes } from '../src/engines/wasm/embedded.js';
import { readLayout, SLOT_NAMES } from '../src/engines/wasm/layout.js';
import { OPTION_NAMES, readOptionLayout } from '../src/engines/wasm/structures.js';

const module = new WebAssembly.Module(embeddedWasmBytes());
const exported = WebAssembly.Module.exports(module)
  .filter((e) => e.kind === 'global' && e.name.startsWith('slot_'))
  .map((e) => e.name.slice(5));

describe('WASM output table', () => {
  it('the host reads exactly the slots the module exports, at distinct positions inside the table', () => {
    expect([...exported].sort()).toEqual([...SLOT_NAMES].sort());
    const instance = new WebAssembly.Instance(module, { env: { abort() {} } });
    const L = readLayout(instance.exports);
    const positions = SLOT_NAMES.map((n) => L[n]);
    expect(new Set(positions).size).toBe(SLOT_NAMES.length);
    for (const p of positions) expect(p >= 0 && p < L.size).toBe(true);
  });

  it('the structure options block: the host writes exactly the fields the module exports, at distinct positions inside one side', () => {
    const names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'global' && e.name.startsWith('O_'))
      .map((e) => e.name);
    const fields = OPTION_NAMES.filter((n) => n.startsWith('O_'));
    expect([...names].sort()).toEqual([...fields].sort());
    const O = readOptionLayout(new WebAssembly.Instance(module, { env: { abort() {} } }).exports);
    const positions = fields.map((n) => O[n]);
    expect(new Set(positions).size).toBe(fields.length);
    for (const p of positions) expect(p >= 0 && p < O.SIDE_OPTIONS).toBe(true);
    // Two levels of two sides, then the combination flag.
    expect(O.STRUCTURE_OPTIONS).toBe(4 * O.SIDE_OPTIONS + 1);
  });

  it('the module exports only the functions the hosts call', () => {
    const functions = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    expect(functions.sort()).toEqual(
      [
        'prepare',
        'lowOffset',
        'closeOffset',
        'structureOptionsOffset',
        'scratch',
        'levelStructures',
        'run',
        'layout',
        'streamInit',
        'streamStep',
        'streamLoaded',
        'streamDrop',
        'streamLayout',
        'penSetState',
        'mergeSetCounts',
        'mergeReserve',
        'macdRestore',
        'segSetState',
      ].sort(),
    );
  });

  it('a module without a slot the host needs is refused by name', () => {
    const { slot_mHigh: _dropped, ...rest } = new WebAssembly.Instance(module, { env: { abort() {} } }).exports;
    expect(() => readLayout(rest)).toThrow('the WASM module exports no slot_mHigh: not a chan-engine build of this version');
  });
});
