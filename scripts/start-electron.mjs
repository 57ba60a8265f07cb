#!/usr/bin/env node
// `npm start`: launch the desktop app. The electron package is installed with its install script disabled
// (package.json allowScripts: "electron": false) so `npm ci` never downloads a browser runtime; the Electron
// binary is fetched here on first start instead (needs network access to Electron's release downloads).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronDir = dirname(require.resolve('electron/package.json'));
const pathFile = join(electronDir, 'path.txt');
const binaryPresent = () => existsSync(pathFile) && existsSync(join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim()));

if (!binaryPresent()) {
  process.stderr.write('Electron binary not found: downloading it once (node node_modules/electron/install.js)…\n');
  const install = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' });
  if (install.status !== 0 || !binaryPresent()) {
    process.stderr.write('Could not download Electron. Without network access use browser mode instead: npx cfstudio serve\n');
    process.exit(1);
  }
}
if (!existsSync(join(root, 'dist', 'electron', 'main.js'))) {
  process.stderr.write('dist/electron/main.js is missing: run npm run build:electron\n');
  process.exit(1);
}
const binary = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
const child = spawn(binary, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
