// The desktop File menu's Import Structures… and Export Selection… reach the page as pushed 'command' events
// (electron/main/menu.ts → main.ts → preload); the connected backend hands them to the App, which carries them out
// in the Library view. Browser mode has no menu, so its backend offers no subscription.
import { describe, expect, it } from 'vitest';
import { createApiClient, type ApiTransport } from '../../shared/api/client.ts';
import { createConnectedBackend } from '../../renderer/src/api/connected.ts';
import type { MenuCommand } from '../../renderer/src/api/backend.ts';

function pushTransport() {
  const listeners = new Set<(event: unknown) => void>();
  const transport: ApiTransport = {
    invoke: () => Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'not used here' } }),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return { transport, push: (event: unknown) => listeners.forEach((listener) => listener(event)) };
}

describe('desktop menu commands', () => {
  it('reach the page in order, until it unsubscribes; malformed commands are dropped by the contract', () => {
    const { transport, push } = pushTransport();
    const backend = createConnectedBackend(createApiClient(transport), 'desktop');
    const seen: MenuCommand[] = [];
    const off = backend.onMenuCommand!((command) => seen.push(command));
    push({ type: 'command', command: 'import-structures' });
    push({ type: 'command', command: 'delete-everything' });
    push({ type: 'library-changed' });
    push({ type: 'command', command: 'export-selection' });
    off();
    push({ type: 'command', command: 'import-structures' });
    expect(seen).toEqual(['import-structures', 'export-selection']);
  });

  it('are not offered in browser mode, which has no menu', () => {
    const { transport } = pushTransport();
    expect(createConnectedBackend(createApiClient(transport), 'browser').onMenuCommand).toBeUndefined();
  });
});
