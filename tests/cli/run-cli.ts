/** Runs the `cfstudio` CLI in this process and captures what it writes (results, log lines, stray stderr). */
import { vi } from 'vitest';
import { main } from '../../electron/cli/main.ts';

export async function runCli(argv: string[]): Promise<{ code: number; out: string; log: string; stderr: string }> {
  let out = '';
  let log = '';
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(argv, { out: (text) => (out += text), log: (line) => (log += line + '\n') });
    return { code, out, log, stderr };
  } finally {
    spy.mockRestore();
  }
}
