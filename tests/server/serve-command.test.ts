// `cfstudio serve` as a user runs it: the start-up line, a request with the printed token, clean shutdown.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../electron/cli/bin.mjs', import.meta.url));

describe('cfstudio serve', () => {
  it('prints exactly "Listening on http://HOST:PORT/?token=TOKEN", serves the API with that token, and stops on SIGTERM', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'cfstudio-serve-'));
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--workspace', workspace], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        let buffer = '';
        const timer = setTimeout(() => reject(new Error('no start-up line within 30 s')), 30_000);
        child.stdout.setEncoding('utf8');
        child.stdout.on('data', (text: string) => {
          buffer += text;
          const newline = buffer.indexOf('\n');
          if (newline >= 0) {
            clearTimeout(timer);
            resolve(buffer.slice(0, newline));
          }
        });
        child.on('exit', (code) => reject(new Error(`serve exited early with code ${code}`)));
      });
      const match = /^Listening on http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]{43})$/.exec(firstLine);
      expect(match, firstLine).not.toBeNull();
      const [, port, token] = match!;
      const response = await fetch(`http://127.0.0.1:${port}/api/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ method: 'app.info', params: {} }),
      });
      expect(await response.json()).toMatchObject({ ok: true, result: { mode: 'browser', workspace } });
      const refused = await fetch(`http://127.0.0.1:${port}/api/invoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(refused.status).toBe(401);
      const exitCode = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exitCode).toBe(0);
    } finally {
      child.kill('SIGKILL');
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('refuses a bad port with a one-line error and exit code 1', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '70000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => (stderr += t));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe("cfstudio: --port must be an integer ≥ 0 and ≤ 65535, got '70000'");
  });
});
