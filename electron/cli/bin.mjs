#!/usr/bin/env node
// Entry point of the `cfstudio` command. The CLI is written in TypeScript and loaded through tsx's ESM hook,
// so no build step stands between `npm ci` and a working command.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
