/**
 * The desktop app's security settings as pure functions, so a test can check them without the Electron binary.
 * main.ts applies exactly these: window options, the navigation / new-window policy, the permission policy, the
 * request filter (no remote content), the app:// file resolver, and the trusted-sender check for IPC.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import { isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { contentSecurityPolicy } from '../../shared/api/csp.ts';

/** The UI is served from a privileged custom scheme rather than file://, so 'self' in the CSP means only the app. */
export const APP_SCHEME = 'cfstudio';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export { contentSecurityPolicy };

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export function mainWindowOptions(preloadPath: string, bounds: WindowBounds): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: 900,
    minHeight: 600,
    title: 'CrystalFormer Studio',
    show: false, // shown on 'ready-to-show' to avoid a white flash
    backgroundColor: '#1e1f22',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Links the user may open in the system browser: plain http(s) without embedded credentials. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/** `will-navigate` / `will-redirect`: the window only ever shows the app itself. */
export function navigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

/**
 * `setWindowOpenHandler`: never open an Electron window. A link the user clicked (`target=_blank` gives a
 * foreground or background tab disposition; scripted `window.open` gives 'new-window') to an http(s) address
 * is handed to the system browser; everything else is dropped.
 */
export function windowOpenDecision(details: { url: string; disposition: string }): { action: 'deny'; openExternally: string | undefined } {
  const clicked = details.disposition === 'foreground-tab' || details.disposition === 'background-tab';
  return { action: 'deny', openExternally: clicked && isSafeExternalUrl(details.url) ? details.url : undefined };
}

/** Permission requests and checks (camera, geolocation, notifications, …): the app needs none. */
export function permissionAllowed(_permission: string): boolean {
  return false;
}

/**
 * `webRequest.onBeforeRequest`: only the app's own scheme and in-memory URLs load; http(s), ws(s), file and
 * everything else is cancelled, so no remote content can enter the window. DevTools' own scheme stays usable.
 */
export function requestAllowed(url: string): boolean {
  if (isAppUrl(url)) return true;
  return url.startsWith('data:') || url.startsWith('blob:') || url.startsWith('devtools:');
}

/** The file under `rendererDir` an app:// URL names, or undefined when it leaves that directory or is foreign. */
export function resolveAppAsset(rendererDir: string, url: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const root = resolve(rendererDir);
  const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return file;
}

/** Headers every app:// response carries. */
export function appResponseHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

/** IPC is answered only for the app's own top-level page (not sub-frames, not foreign pages). */
export function isTrustedSender(frame: { url: string; parent: unknown } | null | undefined): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}
