// Worker thread entry for lanes.ts (see build-worker.mjs for why the tsx loader is registered here); the desktop
// bundle replaces this file with the bundled worker (scripts/build-electron.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./lane-worker.ts');
