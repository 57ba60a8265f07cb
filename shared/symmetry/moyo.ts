/**
 * Loading of the moyo WebAssembly module (space-group tables and symmetry analysis) for Node and the browser.
 *
 * moyo's functions are synchronous once the module is instantiated, but instantiation needs the .wasm bytes:
 * in Node they are read from node_modules, in the browser they are fetched. `initSymmetry()` does that once;
 * everything in shared/symmetry then works synchronously and throws a clear error when called too early.
 */
import * as moyo from '@spglib/moyo-wasm';

export type MoyoModule = typeof moyo;

let ready = false;
let pending: Promise<void> | undefined;

export interface SymmetryInitOptions {
  /**
   * Browser only: where to fetch `moyo_wasm_bg.wasm` from. By default the URL next to moyo's own JavaScript file
   * is used (wasm-bindgen's `new URL('moyo_wasm_bg.wasm', import.meta.url)`), which bundlers such as Vite rewrite
   * into an asset URL.
   */
  wasmUrl?: string | URL;
}

function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string' && typeof (globalThis as { window?: unknown }).window === 'undefined';
}

async function loadInNode(): Promise<void> {
  // Kept behind dynamic imports so that bundling shared/ for the browser never pulls in node: modules.
  const [{ readFile }, { createRequire }] = await Promise.all([import('node:fs/promises'), import('node:module')]);
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve('@spglib/moyo-wasm/moyo_wasm_bg.wasm');
  const bytes = await readFile(wasmPath);
  moyo.initSync({ module: bytes });
}

async function loadInBrowser(options: SymmetryInitOptions): Promise<void> {
  if (options.wasmUrl !== undefined) await moyo.default({ module_or_path: options.wasmUrl });
  else await moyo.default();
}

/** Instantiate moyo once. Safe to call many times and concurrently; later calls reuse the first. */
export function initSymmetry(options: SymmetryInitOptions = {}): Promise<void> {
  if (ready) return Promise.resolve();
  if (!pending) {
    pending = (isNode() ? loadInNode() : loadInBrowser(options)).then(
      () => {
        ready = true;
      },
      (error: unknown) => {
        pending = undefined; // allow a retry, e.g. after a network error in the browser
        throw new Error(`could not load the moyo symmetry module: ${(error as Error)?.message ?? String(error)}`);
      },
    );
  }
  return pending;
}

export function isSymmetryReady(): boolean {
  return ready;
}

/** The instantiated moyo module; throws when `initSymmetry()` has not completed yet. */
export function moyoModule(): MoyoModule {
  if (!ready) {
    throw new Error('symmetry tables are not loaded yet: await initSymmetry() (from shared/symmetry/moyo.ts) before using space groups or symmetry analysis');
  }
  return moyo;
}
