// The desktop app's security settings, checked on the pure functions electron/main/main.ts applies (the Electron
// binary is not available here, so nothing in this file imports the `electron` runtime).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  appResponseHeaders,
  contentSecurityPolicy,
  isSafeExternalUrl,
  isTrustedSender,
  mainWindowOptions,
  navigationAllowed,
  permissionAllowed,
  requestAllowed,
  resolveAppAsset,
  windowOpenDecision,
} from '../../electron/main/security.ts';

describe('BrowserWindow options', () => {
  const options = mainWindowOptions('/app/dist/electron/preload.js', { width: 1200, height: 800 });
  const web = options.webPreferences!;

  it('isolates the page: context isolation, sandbox, no Node integration anywhere', () => {
    expect(web.contextIsolation).toBe(true);
    expect(web.sandbox).toBe(true);
    expect(web.nodeIntegration).toBe(false);
    expect(web.nodeIntegrationInWorker).toBe(false);
    expect(web.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and turns off webviews, insecure content and experimental features', () => {
    expect(web.webSecurity).toBe(true);
    expect(web.allowRunningInsecureContent).toBe(false);
    expect(web.webviewTag).toBe(false);
    expect(web.experimentalFeatures).toBe(false);
    expect(web.navigateOnDragDrop).toBe(false);
    expect(web.preload).toBe('/app/dist/electron/preload.js');
  });

  it('uses the remembered bounds', () => {
    expect(options).toMatchObject({ width: 1200, height: 800 });
    expect(mainWindowOptions('/p.js', { x: 10, y: 20, width: 900, height: 700 })).toMatchObject({ x: 10, y: 20, width: 900, height: 700 });
  });
});

describe('Content-Security-Policy', () => {
  const csp = contentSecurityPolicy();
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));

  it('allows only the app itself: no remote hosts, no wildcards, no eval, no inline scripts', () => {
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(csp).not.toMatch(/https?:|\*|'unsafe-eval'/);
    expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
  });

  it('blocks plugins, framing, base-URI tricks and form posts', () => {
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
  });

  it('is sent with every app:// response', () => {
    expect(appResponseHeaders()['Content-Security-Policy']).toBe(csp);
  });
});

describe('navigation, new windows, external links', () => {
  it('lets the window navigate only within the app', () => {
    expect(navigationAllowed(APP_ENTRY_URL)).toBe(true);
    expect(navigationAllowed('cfstudio://app/library')).toBe(true);
    for (const url of ['https://example.org/', 'http://127.0.0.1:8765/', 'file:///etc/passwd', 'cfstudio://other/index.html', 'javascript:alert(1)', 'not a url']) {
      expect(navigationAllowed(url)).toBe(false);
    }
  });

  it('never opens an Electron window; hands clicked http(s) links to the system browser', () => {
    expect(windowOpenDecision({ url: 'https://materialsproject.org/', disposition: 'foreground-tab' })).toEqual({ action: 'deny', openExternally: 'https://materialsproject.org/' });
    expect(windowOpenDecision({ url: 'http://example.org/', disposition: 'background-tab' }).openExternally).toBe('http://example.org/');
    // Scripted window.open (disposition new-window) and non-http schemes go nowhere.
    expect(windowOpenDecision({ url: 'https://example.org/', disposition: 'new-window' })).toEqual({ action: 'deny', openExternally: undefined });
    for (const url of ['file:///etc/passwd', 'smb://host/share', 'javascript:alert(1)', 'ms-msdt:/id', 'https://user:pw@example.org/']) {
      expect(windowOpenDecision({ url, disposition: 'foreground-tab' }).openExternally).toBeUndefined();
    }
  });

  it('accepts only plain http(s) URLs as external links', () => {
    expect(isSafeExternalUrl('https://github.com/deepmodeling/CrystalFormer')).toBe(true);
    expect(isSafeExternalUrl('file:///C:/Windows/system32/calc.exe')).toBe(false);
    expect(isSafeExternalUrl('')).toBe(false);
  });
});

describe('session policy', () => {
  it('denies every permission request', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read', 'fullscreen']) {
      expect(permissionAllowed(permission)).toBe(false);
    }
  });

  it('loads no remote content: only app://, data: and blob: URLs pass the request filter', () => {
    expect(requestAllowed('cfstudio://app/assets/index.js')).toBe(true);
    expect(requestAllowed('data:image/png;base64,AAAA')).toBe(true);
    expect(requestAllowed('blob:cfstudio://app/1234')).toBe(true);
    for (const url of ['https://cdn.example.org/three.js', 'http://localhost:5173/', 'ws://127.0.0.1:8765/api/events', 'file:///etc/hosts', 'ftp://example.org/']) {
      expect(requestAllowed(url)).toBe(false);
    }
  });

  it('answers IPC only for the app page in the top frame', () => {
    expect(isTrustedSender({ url: APP_ENTRY_URL, parent: null })).toBe(true);
    expect(isTrustedSender({ url: APP_ENTRY_URL, parent: {} })).toBe(false);
    expect(isTrustedSender({ url: 'https://example.org/', parent: null })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
  });
});

describe('app:// file resolution', () => {
  const root = '/opt/cfstudio/dist/renderer';
  it('maps app URLs to files inside the renderer directory', () => {
    expect(resolveAppAsset(root, 'cfstudio://app/index.html')).toBe(join(root, 'index.html'));
    expect(resolveAppAsset(root, 'cfstudio://app/')).toBe(join(root, 'index.html'));
    expect(resolveAppAsset(root, 'cfstudio://app/assets/app-1a2b.js')).toBe(join(root, 'assets', 'app-1a2b.js'));
  });

  it('refuses to leave the renderer directory or serve foreign origins', () => {
    expect(resolveAppAsset(root, 'cfstudio://app/..%2F..%2Fsecret')).toBeUndefined();
    // The URL parser collapses dot segments at the origin's root, so this stays inside the renderer directory.
    expect(resolveAppAsset(root, 'cfstudio://app/%2e%2e/%2e%2e/etc/passwd')).toBe(join(root, 'etc', 'passwd'));
    expect(resolveAppAsset(root, 'cfstudio://app/a%00b')).toBeUndefined();
    expect(resolveAppAsset(root, 'cfstudio://evil/index.html')).toBeUndefined();
    expect(resolveAppAsset(root, 'https://app/index.html')).toBeUndefined();
  });
});

describe('preload', () => {
  const source = readFileSync(new URL('../../electron/preload/preload.ts', import.meta.url), 'utf8');
  it('exposes one object over the two fixed channels and nothing else from electron', () => {
    expect(source.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(source).toMatch(/ipcRenderer\.invoke\(IPC_INVOKE_CHANNEL/);
    expect(source).toMatch(/ipcRenderer\.on\(IPC_EVENT_CHANNEL/);
    expect(source).not.toMatch(/ipcRenderer\.(send|sendSync|postMessage)\(/);
    expect(source).not.toMatch(/require\(|process\.|shell|webFrame/);
  });
});

describe('package setup', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    allowScripts: Record<string, boolean>;
    devDependencies: Record<string, string>;
    main: string;
  };
  it('installs electron without running its download script, and points Electron at the bundle', () => {
    expect(pkg.allowScripts.electron).toBe(false);
    expect(pkg.devDependencies.electron).toBe('45.4.1');
    expect(pkg.main).toBe('dist/electron/main.js');
  });

  it("installs onnxruntime-node without its CUDA download script and without a project .npmrc key npm warns about", () => {
    // The script would fetch CUDA provider libraries from the network (npm ci fails offline); skipping it through a
    // project .npmrc key made npm print "Unknown project config" before every npx command.
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
    expect(existsSync(new URL('../../.npmrc', import.meta.url))).toBe(false);
  });
});
