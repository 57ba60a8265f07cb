// electron-builder.yml flips the Electron fuses that close the ways into a packaged app that bypass its code:
// running the binary as Node, NODE_OPTIONS, --inspect, an app loaded from outside its checked app.asar. Packaging
// cannot run here, so the configuration itself is checked (read as text: no YAML parser among the dependencies).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const config = readFileSync(join(import.meta.dirname, '..', '..', 'electron-builder.yml'), 'utf8');

/** The `key: value` pairs of a top-level mapping (two-space indented block). */
function block(name: string): Record<string, string> {
  const lines = config.split('\n');
  const start = lines.findIndex((line) => line === `${name}:`);
  if (start < 0) return {};
  const entries: Record<string, string> = {};
  for (const line of lines.slice(start + 1)) {
    const match = /^ {2}([A-Za-z]+):\s*(\S+)\s*$/.exec(line);
    if (!match) break;
    entries[match[1]!] = match[2]!;
  }
  return entries;
}

describe('Electron fuses in electron-builder.yml', () => {
  it('turns off run-as-node, NODE_OPTIONS and the inspector, and turns on cookie encryption and ASAR-only loading with integrity', () => {
    expect(block('electronFuses')).toEqual({
      runAsNode: 'false',
      enableNodeOptionsEnvironmentVariable: 'false',
      enableNodeCliInspectArguments: 'false',
      enableCookieEncryption: 'true',
      enableEmbeddedAsarIntegrityValidation: 'true',
      onlyLoadAppFromAsar: 'true',
    });
  });

  it('keeps the app in an asar archive (onlyLoadAppFromAsar needs one)', () => {
    expect(config).not.toMatch(/^asar:\s*false/m);
  });
});
