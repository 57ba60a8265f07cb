#!/usr/bin/env node
// Entry point of the `cfstudio` command. The CLI is written in TypeScript and loaded through tsx's ESM hook,
// so no build step stands between `npm ci` and a working command.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
// A long command line (hundreds of file paths) crashes onnxruntime when it starts: such a run goes to a child with a
// short command line that reads its arguments from a pipe (./command-line.ts says why and where the bound comes from).
const { MAX_COMMAND_LINE_BYTES, commandLineBytes, relaunchWithShortCommandLine, relayedArguments } = await import('./command-line.ts');
const relayed = relayedArguments();
if (relayed === undefined && commandLineBytes() > MAX_COMMAND_LINE_BYTES) {
  process.exitCode = await relaunchWithShortCommandLine(fileURLToPath(import.meta.url), process.argv.slice(2));
} else {
  const { main } = await import('./main.ts');
  process.exitCode = await main(relayed ?? process.argv.slice(2));
}
