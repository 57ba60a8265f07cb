/**
 * Keeps the command line of the process that loads onnxruntime short.
 *
 * onnxruntime-node 1.30 reads /proc/self/cmdline when a process creates its first session (the OrtEnv of
 * InferenceSessionWrap::InitOrtOnce → OrtSingletonData::OrtObjects) and walks it with a recursive routine on the
 * main thread's stack, about two nested calls per byte (gdb: ≈ 86,700 frames of three mutually recursive
 * functions inside libonnxruntime for a 41.7 kB command line). Measured with a script that only creates a session
 * after a long argument: with the default 8 MiB stack the process dies with SIGSEGV — exit 139, no message — once
 * the command line passes ≈ 29,000 bytes (28,906 survived, 29,062 did not: ≈ 290 bytes of stack per byte); with
 * `ulimit -s 16384`, 40,000 bytes pass and 60,000 crash. Neither the batch nor the model matters: `cfstudio reward
 * score SPEC *.cif` with 850 absolute CIF paths (≈ 49 bytes each) died at its first prediction, after reading every
 * file. `process.title` does not help (the kernel still reports the whole argument area, NUL-padded).
 *
 * So bin.mjs re-runs itself when its command line is longer than MAX_COMMAND_LINE_BYTES: the child gets the
 * arguments as JSON on a pipe (fd 3, named by CFSTUDIO_ARGV_FD) — not in argv, and not in an environment variable
 * (the kernel limits one to 128 kB) — so the child's /proc/self/cmdline is `node [execArgv] bin.mjs`. Shorter
 * command lines run in-process as before.
 */
import { spawn } from 'node:child_process';
import { closeSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { Writable } from 'node:stream';

/**
 * Longest command line (bytes of /proc/self/cmdline) run in-process: 8 KiB, a quarter of the ≈ 29 kB that
 * overflowed the default 8 MiB stack, so the margin also covers stacks down to ≈ 2.5 MiB and whatever stack the
 * caller has used when onnxruntime starts. ≈ 170 absolute CIF paths; typical commands are far below it.
 */
export const MAX_COMMAND_LINE_BYTES = 8 * 1024;

/** Environment variable naming the file descriptor on which a relaunched CLI reads its arguments. */
export const ARGV_FD_VARIABLE = 'CFSTUDIO_ARGV_FD';

/** Bytes of this process's command line as the kernel reports it to onnxruntime; 0 where there is no /proc (the crash is Linux's). */
export function commandLineBytes(): number {
  if (process.platform !== 'linux') return 0;
  try {
    return readFileSync('/proc/self/cmdline').length;
  } catch {
    return 0;
  }
}

/**
 * In a relaunched CLI: the arguments its parent wrote on the descriptor named by CFSTUDIO_ARGV_FD (which is read to
 * the end and closed); undefined when the variable is unset. The variable is removed from `env`, so processes this
 * one starts (which inherit process.env) do not try to read a descriptor they do not have.
 */
export function relayedArguments(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const value = env[ARGV_FD_VARIABLE];
  if (value === undefined) return undefined;
  delete env[ARGV_FD_VARIABLE];
  const fd = Number(value);
  if (!/^\d+$/.test(value) || fd < 3) throw new Error(`${ARGV_FD_VARIABLE}=${value} is not a relay file descriptor (3 or above)`);
  let text: string;
  try {
    text = readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
  const args: unknown = JSON.parse(text);
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new Error(`${ARGV_FD_VARIABLE}: the relayed arguments are not a list of strings`);
  return args;
}

/**
 * Runs `script` (bin.mjs) again in a child with a short command line, relaying `args` on fd 3; resolves with the
 * exit status to use. stdin/stdout/stderr are shared. SIGTERM and SIGHUP are passed on to the child; SIGINT from
 * the terminal reaches the child directly (same process group), so the parent ignores it instead of sending a
 * second one (a second Ctrl-C aborts a training job at once, electron/cli/stop-signal.ts). If the child dies of a
 * signal, the parent re-raises it on itself, so callers see the same death (139 for SIGSEGV).
 */
export function relaunchWithShortCommandLine(script: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script], {
      stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
      env: { ...process.env, [ARGV_FD_VARIABLE]: '3' },
    });
    const relay = child.stdio[3] as Writable;
    relay.on('error', () => {}); // the child died before reading; its exit status tells what happened
    relay.end(JSON.stringify(args));
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    const ignore = () => {};
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    process.on('SIGINT', ignore);
    const detach = () => {
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
      process.off('SIGINT', ignore);
    };
    child.on('error', (error) => {
      detach();
      reject(error);
    });
    child.on('exit', (code, signal) => {
      detach();
      if (signal) {
        process.kill(process.pid, signal);
        resolve(128 + (constants.signals[signal] ?? 0)); // if the signal is handled or ignored here
      } else {
        resolve(code ?? 1);
      }
    });
  });
}
