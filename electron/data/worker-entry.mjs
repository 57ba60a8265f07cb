// Worker threads do not inherit the tsx loader registered by the CLI, so register it here before loading the
// TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
