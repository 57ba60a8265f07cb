/**
 * One call for the renderer to get its API client, whichever way the UI is running: inside the desktop app the
 * preload has put the IPC transport on `window.cfstudio`; in a browser, the page URL carries the token printed
 * by `cfstudio serve` and the client talks HTTP + WebSocket to the page's own origin.
 */
import { createApiClient, type ApiClient, type ApiTransport } from './client.ts';
import { createBrowserTransport, tokenFromUrl } from './browser-transport.ts';

declare global {
  interface Window {
    /** Set by electron/preload in the desktop app only. */
    cfstudio?: ApiTransport;
  }
}

const TOKEN_STORAGE_KEY = 'cfstudio-token';

export function connectApi(): ApiClient {
  const desktop = globalThis.window?.cfstudio;
  if (desktop) return createApiClient(desktop);
  const href = globalThis.location?.href;
  // The token is read from the URL once and kept for this tab, so reloads work after it leaves the address bar.
  const token = (href ? tokenFromUrl(href) : undefined) ?? globalThis.sessionStorage?.getItem(TOKEN_STORAGE_KEY) ?? undefined;
  if (!token) {
    throw new Error('no access token in the page URL: open the address printed by `cfstudio serve` (it ends in ?token=…)');
  }
  globalThis.sessionStorage?.setItem(TOKEN_STORAGE_KEY, token);
  // Keep the token out of the address bar (and out of screenshots and history) once read.
  // The route after '#' stays: `?token=…#/viewer` opens the Viewer.
  globalThis.history?.replaceState(null, '', globalThis.location.pathname + globalThis.location.hash);
  return createApiClient(createBrowserTransport({ token }));
}
