import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { type Command, PROVIDERS_OPTION, UserError, intOption, stringOption } from '../command.ts';
import { startMcpMode } from '../../mcp/server.ts';

/** `cfstudio mcp`: the app's API as Model Context Protocol tools over stdio, for LLM agents (electron/mcp/server.ts). */
export const mcpCommand: Command = {
  path: ['mcp'],
  summary: 'serve the app as Model Context Protocol tools over stdio, for LLM agents (generate, csp, relax, energy, predict, library …)',
  notes:
    'Register it with an MCP client as the command `npx cfstudio mcp --workspace DIR` (see README). Every file path a tool takes must lie in the workspace; ' +
    'command oracles stay refused unless CFSTUDIO_ALLOW_COMMAND_ORACLES=1. Logs go to stderr; stdout carries only the protocol.',
  options: {
    providers: PROVIDERS_OPTION,
    workspace: { type: 'string', description: 'workspace directory (default $CFSTUDIO_WORKSPACE or ~/.cfstudio/workspace)', valueName: 'DIR' },
    'max-jobs': { type: 'string', description: 'heavy jobs allowed to run at the same time (default 1)', valueName: 'N' },
  },
  async run(values, _positionals, ctx) {
    const maxHeavyJobs = intOption(values, 'max-jobs', 1, 1, 64);
    // Anything printed to stdout would corrupt the protocol stream: stray console output goes to stderr.
    console.log = console.error;
    console.info = console.error;
    let mode;
    try {
      mode = await startMcpMode({ maxHeavyJobs, log: ctx.log, ...(stringOption(values, 'workspace') ? { workspace: stringOption(values, 'workspace')! } : {}) });
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    ctx.log(`cfstudio mcp: workspace ${mode.workspace}`);
    const transport = new StdioServerTransport();
    await new Promise<void>((resolve) => {
      let closing = false;
      const shutdown = (): void => {
        if (closing) return;
        closing = true;
        process.off('SIGINT', shutdown);
        process.off('SIGTERM', shutdown);
        void mode.close().then(resolve);
      };
      // The client ends the session by closing our stdin (or with a signal); running jobs are cancelled.
      transport.onclose = shutdown;
      process.stdin.once('end', shutdown);
      process.stdin.once('close', shutdown);
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
      mode.server.connect(transport).catch((error: unknown) => {
        ctx.log(`cfstudio mcp: ${(error as Error).message}`);
        shutdown();
      });
    });
    return 0;
  },
};
