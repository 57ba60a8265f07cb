/**
 * The layering rules of the repository (DEVELOPERS' layout): data flows renderer → typed API → engine. Each rule
 * names the layer a file belongs to and what that layer may import.
 */
import type { ImportEdge } from './imports.ts';

/** Folders of electron/ below the application shell: they compute and may not reach up into it. */
const ELECTRON_LIBRARY_LAYERS = ['data', 'evaluate', 'predictors', 'rewards', 'stability'];
/** The application shell: processes, transports and storage. */
const ELECTRON_SHELL_LAYERS = ['host', 'server', 'cli', 'mcp', 'library', 'main', 'preload'];
const SHARED_PACKAGES = new Set(['package:zod', 'package:@spglib/moyo-wasm']);

export function layerOf(file: string): string {
  const [top, second] = file.split('/');
  if (top === 'electron') return `electron/${second}`;
  return top ?? file;
}

const under = (target: string, ...folders: string[]) => folders.some((f) => target.startsWith(`${f}/`));

/** The reason an import breaks the layering, or undefined when it is allowed. */
export function layeringViolation(edge: ImportEdge): string | undefined {
  const { from, to } = edge;
  const layer = layerOf(from);
  if (to === 'package:electron' && layer !== 'electron/main' && layer !== 'electron/preload') {
    return 'only electron/main and electron/preload import electron';
  }
  if (layer === 'shared') {
    if (under(to, 'shared') || SHARED_PACKAGES.has(to)) return undefined;
    if (to.startsWith('node:') && edge.dynamic) return undefined; // loaded on demand in Node only, never bundled
    return 'shared/ imports only shared/, zod and moyo (Node builtins only through a dynamic import)';
  }
  if (layer === 'renderer') {
    if (under(to, 'renderer', 'shared') || (to.startsWith('package:') && to !== 'package:electron')) return undefined;
    return 'renderer/ imports only renderer/, shared/ and browser packages';
  }
  if (layer === 'electron/symmetry') {
    if (under(to, 'electron/symmetry', 'shared') || to.startsWith('package:') || to.startsWith('node:')) return undefined;
    return 'electron/symmetry (moyo bounded in a worker) sits below the engine and imports only shared/ and packages';
  }
  if (layer === 'electron/engine') {
    if (under(to, 'electron/engine', 'electron/symmetry', 'shared') || to.startsWith('package:') || to.startsWith('node:')) return undefined;
    return 'the engine imports only the engine, electron/symmetry, shared/ and packages (callers pass rewards, datasets and checks in)';
  }
  if (ELECTRON_LIBRARY_LAYERS.includes(layer.slice('electron/'.length))) {
    if (ELECTRON_SHELL_LAYERS.some((shell) => under(to, `electron/${shell}`))) {
      return `${layer} is below the application shell (host, server, CLI, MCP, library, main, preload) and may not import it`;
    }
  }
  return undefined;
}

/** A runtime cycle that is allowed: the graph builder's op files register themselves with the graph they extend. */
export function cycleAllowed(cycle: readonly string[]): boolean {
  return cycle.every((file) => file.startsWith('electron/engine/graph/'));
}
