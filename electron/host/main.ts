// Process entry of the engine host (bundled to dist/electron/host.js; run through tsx in development and tests).
import { runHost, workspaceFromArgv } from './entry.ts';

runHost(workspaceFromArgv(process.argv));
