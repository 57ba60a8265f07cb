import { type Command, PROVIDERS_OPTION, UserError, intOption, stringOption } from '../command.ts';
import { startBrowserMode } from '../../server/start.ts';

/** `cfstudio serve`: the UI and API for a browser, e.g. on a remote machine reached through an SSH tunnel. */
export const serveCommand: Command = {
  path: ['serve'],
  summary: 'serve the app to a web browser (HTTP + WebSocket, token-protected, loopback by default)',
  options: {
    providers: PROVIDERS_OPTION,
    port: { type: 'string', description: 'port to listen on (0 = any free port; default 8765)', valueName: 'N' },
    host: { type: 'string', description: 'address to bind (default 127.0.0.1; use an SSH tunnel rather than 0.0.0.0)', valueName: 'ADDR' },
    workspace: { type: 'string', description: 'workspace directory (default $CFSTUDIO_WORKSPACE or ~/.cfstudio/workspace)', valueName: 'DIR' },
    'allow-host': { type: 'string', multiple: true, description: 'extra DNS name accepted in the Host header (repeatable)', valueName: 'NAME' },
    'max-jobs': { type: 'string', description: 'heavy jobs allowed to run at the same time (default 1)', valueName: 'N' },
  },
  async run(values, _positionals, ctx) {
    const port = intOption(values, 'port', 8765, 0, 65535);
    const maxHeavyJobs = intOption(values, 'max-jobs', 1, 1, 64);
    const host = stringOption(values, 'host') ?? '127.0.0.1';
    const allowHost = values['allow-host'];
    const allowedHosts = Array.isArray(allowHost) ? allowHost.filter((v): v is string => typeof v === 'string') : [];
    let mode;
    try {
      mode = await startBrowserMode({ port, host, maxHeavyJobs, allowedHosts, ...(stringOption(values, 'workspace') ? { workspace: stringOption(values, 'workspace')! } : {}), log: ctx.log });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UserError(`port ${port} on ${host} is already in use (choose another with --port)`);
      if (code === 'EADDRNOTAVAIL') throw new UserError(`cannot bind ${host}: no such local address`);
      throw new UserError((error as Error).message);
    }
    ctx.log(`Workspace ${mode.workspace}`);
    if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
      ctx.log(`Warning: bound to ${host}, reachable beyond this machine; the token is the only protection.`);
    }
    ctx.out(`Listening on ${mode.server.url}\n`);
    await new Promise<void>((resolve) => {
      const shutdown = (): void => {
        process.off('SIGINT', shutdown);
        process.off('SIGTERM', shutdown);
        ctx.log('Shutting down…');
        void mode.close().then(resolve);
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    });
  },
};
