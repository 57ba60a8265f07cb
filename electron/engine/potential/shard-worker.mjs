// Worker thread entry for sharded.ts. Worker threads do not inherit the tsx loader the CLI registers, so register it
// here and load the TypeScript worker; the desktop bundle replaces this file with the bundled worker
// (scripts/build-electron.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./shard-worker.ts');
