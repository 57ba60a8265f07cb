/**
 * Picks the backend for this page: the desktop bridge when the preload put `window.cfstudio` there, the
 * browser-mode client when the URL (or this tab's session) carries the token printed by `cfstudio serve`, and
 * otherwise standalone (Vite dev/preview, static hosting), where the viewer and prompt builder still work.
 */
import { connectApi } from '../../../shared/api/connect.ts';
import type { StudioBackend } from './backend.ts';
import { createConnectedBackend } from './connected.ts';
import { createStandaloneBackend } from './standalone.ts';

export * from './backend.ts';

export function createBackend(): StudioBackend {
  const desktop = typeof window !== 'undefined' && window.cfstudio !== undefined;
  let token = false;
  try {
    token = new URL(window.location.href).searchParams.has('token') || window.sessionStorage.getItem('cfstudio-token') !== null;
  } catch {
    token = false; // storage can be unavailable (privacy settings); then only the URL counts
  }
  if (!desktop && !token) return createStandaloneBackend();
  try {
    return createConnectedBackend(connectApi(), desktop ? 'desktop' : 'browser');
  } catch (error) {
    const standalone = createStandaloneBackend();
    return { ...standalone, description: `Not connected: ${(error as Error).message}` };
  }
}
