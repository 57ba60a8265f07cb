/**
 * How the supervisor starts an engine host. The Node launcher forks a child process (browser-mode server, CLI,
 * tests); electron/main has its own launcher over `utilityProcess.fork`. Both yield a `HostProcess`.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ToHostMessage } from '../../shared/api/host-protocol.ts';

export interface HostExit {
  code: number | null;
  signal: string | null;
}

/** A running engine host as the supervisor sees it. Messages in are unvalidated; the supervisor checks them. */
export interface HostProcess {
  readonly pid: number | undefined;
  send(message: ToHostMessage): void;
  /** Ends the process at once (SIGKILL or the platform's equivalent). */
  kill(): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (exit: HostExit) => void): void;
  /** The process's stderr, so a crash can be explained with its last lines. */
  onStderr(listener: (text: string) => void): void;
}

export type HostLauncher = (workspace: string) => HostProcess;

/**
 * Where the host entry is: next to this module as `host.js` when running from the esbuild bundle
 * (dist/electron/), else the TypeScript source run through tsx.
 */
export function resolveHostEntry(): { entry: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return { entry: join(dirname(here), 'host.js'), execArgv: [] };
  const tsxLoader = createRequire(import.meta.url).resolve('tsx');
  return { entry: join(dirname(here), 'main.ts'), execArgv: ['--import', pathToFileURL(tsxLoader).href] };
}

export interface NodeLauncherOptions {
  /** Mirror the host's stderr on this process's stderr (default true) — it carries engine log lines. */
  forwardStderr?: boolean;
  /** Extra environment for the host process. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where the host's stdout goes: this process's stdout (default), or its stderr — for `cfstudio mcp`, whose stdout
   * carries the protocol and must hold nothing else.
   */
  stdout?: 'inherit' | 'stderr';
}

export function nodeHostLauncher(options: NodeLauncherOptions = {}): HostLauncher {
  return (workspace) => {
    const { entry, execArgv } = resolveHostEntry();
    if (!existsSync(entry)) throw new Error(`engine host entry not found: ${entry} (run npm run build:electron)`);
    const child = fork(entry, ['--workspace', workspace], {
      execArgv,
      stdio: ['ignore', options.stdout === 'stderr' ? 'pipe' : 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, ...options.env },
      serialization: 'json',
    });
    child.stdout?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.stderr?.setEncoding('utf8');
    if (options.forwardStderr ?? true) child.stderr?.on('data', (text: string) => process.stderr.write(text));
    // A send to a host that just died must not throw into the caller; the exit handler reports the death.
    child.on('error', () => {});
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (child.connected) child.send(message);
      },
      kill() {
        child.kill('SIGKILL');
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        child.on('exit', (code, signal) => listener({ code, signal }));
      },
      onStderr(listener) {
        child.stderr?.on('data', listener);
      },
    };
  };
}
