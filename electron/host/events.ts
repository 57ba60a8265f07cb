import type { ApiEvent } from '../../shared/api/contract.ts';

/** Fans API events out to any number of listeners (IPC windows, WebSocket clients, tests). */
export class EventHub {
  private readonly listeners = new Set<(event: ApiEvent) => void>();

  emit = (event: ApiEvent): void => {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        process.stderr.write(`[events] a listener failed: ${(error as Error).message}\n`);
      }
    }
  };

  subscribe(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
