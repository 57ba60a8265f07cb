/**
 * Starts the engine host as an Electron utilityProcess (a Node environment Chromium sandboxes and accounts
 * for separately; a crash there cannot take down the main process). Same `HostProcess` shape as the Node
 * child-process launcher, so the supervisor does not know which one it has.
 */
import { utilityProcess } from 'electron';
import type { HostLauncher } from '../host/launcher.ts';

/** `env` is added to the host's environment (e.g. CFSTUDIO_PROVIDERS from the app's settings). */
export function utilityHostLauncher(hostEntry: string, env: NodeJS.ProcessEnv = {}): HostLauncher {
  return (workspace) => {
    const child = utilityProcess.fork(hostEntry, ['--workspace', workspace], { serviceName: 'CrystalFormer engine host', stdio: 'pipe', env: { ...process.env, ...env } });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => process.stderr.write(text));
    child.stdout?.on('data', (text: Buffer) => process.stdout.write(text));
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (child.pid !== undefined) child.postMessage(message);
      },
      kill() {
        // utilityProcess.kill() sends SIGTERM; the supervisor's kill means "now".
        if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        child.on('exit', (code) => listener({ code, signal: null }));
      },
      onStderr(listener) {
        child.stderr?.on('data', listener);
      },
    };
  };
}
