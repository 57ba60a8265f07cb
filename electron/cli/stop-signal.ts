import type { CommandContext } from './command.ts';

/**
 * Runs a long job (training, fine-tuning) with Ctrl-C and SIGTERM turned into an AbortSignal: the job notices it
 * between steps, writes its checkpoint and returns. After the first Ctrl-C the handler is removed, so a second one
 * kills the process at once (the last checkpoint stays on disk).
 */
export async function withStopSignal<T>(ctx: CommandContext, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    ctx.log(`\nstopping after this step (${what})… press Ctrl-C again to abort immediately`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
