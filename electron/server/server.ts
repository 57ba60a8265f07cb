/**
 * Browser-mode server: the built renderer plus the API over HTTP (`POST /api/invoke`) and WebSocket
 * (`/api/events`), so the UI can run in a workstation browser against a remote machine through an SSH tunnel.
 *
 * Security: bound to 127.0.0.1 by default; every request and WebSocket handshake needs the access token
 * (constant-time compare, 401 otherwise); Host header checked against DNS rebinding (403); cross-origin
 * requests refused and no CORS headers at all; strict CSP and no-referrer on every response (the token is in
 * the start URL, so it must never leak through a Referer header).
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative, resolve, sep, isAbsolute } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { contentSecurityPolicy } from '../../shared/api/csp.ts';
import type { ApiErrorCode, ApiEvent, ApiResponse } from '../../shared/api/contract.ts';
import { escapeControl } from '../../shared/text/safe-text.ts';
import { internalErrorMessage, type ApiService } from '../host/service.ts';
import { TOKEN_COOKIE, generateToken, isAllowedHost, isSameOrigin, tokenOf, tokensEqual } from './auth.ts';

export interface BrowserServerOptions {
  service: ApiService;
  /** Source of pushed events (every WebSocket client gets all of them). */
  subscribe: (listener: (event: ApiEvent) => void) => () => void;
  /** Workspace root: `/api/download` serves files below it only. */
  workspace: string;
  /** Port to listen on; 0 picks a free one. Default 8765. */
  port?: number;
  /** Address to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Fixed token (tests); default: 32 random bytes. */
  token?: string;
  /** Directory of the built renderer (index.html + assets). */
  rendererDir?: string;
  /** Extra DNS names accepted in the Host header (besides loopback names and IP literals). */
  allowedHosts?: string[];
  /** Largest accepted request body (default 64 MiB: structure files are uploaded inline for import). */
  maxBodyBytes?: number;
}

export interface BrowserServer {
  /** The URL to open, token included: `http://HOST:PORT/?token=TOKEN`. */
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.cif': 'chemical/x-cif',
  '.zip': 'application/zip',
  '.csv': 'text/csv; charset=utf-8',
};

/** How much of an over-long body is read and thrown away so the 413 reaches the client (beyond: cut off). */
const DISCARD_LIMIT_BYTES = 1024 * 1024 * 1024;

const STATUS_BY_CODE: Record<ApiErrorCode, number> = {
  'invalid-request': 400,
  'invalid-params': 400,
  unauthorized: 401,
  'not-found': 404,
  unavailable: 501,
  conflict: 409,
  internal: 500,
};

/** Formats a listen address for a URL (`::1` → `[::1]`). */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The file below `root` that a URL path names, or undefined if it escapes `root` or does not exist. */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const candidate = resolve(root, '.' + (decoded.startsWith('/') ? decoded : '/' + decoded));
  const rel = relative(root, candidate);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  if (!existsSync(candidate) || !statSync(candidate).isFile()) return undefined;
  return candidate;
}

export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const token = options.token ?? generateToken();
  const bindHost = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const allowedHosts = [...(options.allowedHosts ?? []), bindHost];
  const rendererDir = options.rendererDir ? resolve(options.rendererDir) : undefined;
  const workspaceRoot = realpathSync(options.workspace);
  const csp = contentSecurityPolicy();

  const baseHeaders = (response: ServerResponse): void => {
    response.setHeader('Content-Security-Policy', csp);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  };

  const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  };
  const sendError = (response: ServerResponse, status: number, code: ApiErrorCode, message: string): void => {
    const envelope: ApiResponse = { ok: false, error: { code, message } };
    sendJson(response, status, envelope);
  };

  /**
   * The request body, or null when it is larger than the limit — then the 413 answer has been sent already. The
   * rest of the body is read and discarded (up to a bound) so the client gets the answer instead of a connection
   * reset, which is what closing a socket with unread data would produce.
   */
  const readBody = (request: IncomingMessage, response: ServerResponse): Promise<Buffer | null> =>
    new Promise((resolveBody, reject) => {
      const tooLarge = (): void => {
        request.removeAllListeners('data');
        let discarded = 0;
        request.on('data', (chunk: Buffer) => {
          discarded += chunk.length;
          if (discarded > DISCARD_LIMIT_BYTES) request.destroy();
        });
        request.resume();
        response.setHeader('Connection', 'close');
        sendError(response, 413, 'invalid-request', `request body larger than ${maxBodyBytes} bytes; upload large structure files in several smaller requests`);
        resolveBody(null);
      };
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBodyBytes) return tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size > maxBodyBytes) {
          chunks.length = 0;
          tooLarge();
          return;
        }
        chunks.push(chunk);
      };
      request.on('data', onData);
      request.on('end', () => {
        if (size <= maxBodyBytes) resolveBody(Buffer.concat(chunks));
      });
      request.on('error', reject);
    });

  const handleInvoke = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      return sendError(response, 405, 'invalid-request', 'use POST for /api/invoke');
    }
    if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      return sendError(response, 415, 'invalid-request', 'Content-Type must be application/json');
    }
    const raw = await readBody(request, response);
    if (raw === null) return;
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return sendError(response, 400, 'invalid-request', `request body is not valid JSON: ${escapeControl((error as Error).message).slice(0, 200)}`);
    }
    const result = await options.service.handle(body);
    sendJson(response, result.ok ? 200 : STATUS_BY_CODE[result.error.code], result);
  };

  /** Serves a file from the workspace (job outputs such as exported zips) as a download. */
  const handleDownload = (url: URL, response: ServerResponse): void => {
    const wanted = url.searchParams.get('path');
    if (!wanted) return sendError(response, 400, 'invalid-params', 'path is required');
    const candidate = resolve(workspaceRoot, wanted);
    let real: string;
    try {
      real = realpathSync(candidate);
    } catch {
      return sendError(response, 404, 'not-found', `no such file in the workspace: ${wanted}`);
    }
    if (!real.startsWith(workspaceRoot + sep) || !statSync(real).isFile()) {
      return sendError(response, 404, 'not-found', `no such file in the workspace: ${wanted}`);
    }
    const name = real.slice(real.lastIndexOf(sep) + 1).replace(/[^\w.-]/g, '_');
    response.writeHead(200, {
      'Content-Type': MIME_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${name}"`,
      'Content-Length': statSync(real).size,
      'Cache-Control': 'no-store',
    });
    createReadStream(real).pipe(response);
  };

  const handleStatic = (request: IncomingMessage, url: URL, response: ServerResponse): void => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' });
      response.end();
      return;
    }
    const index = rendererDir ? join(rendererDir, 'index.html') : undefined;
    if (!rendererDir || !index || !existsSync(index)) {
      response.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('The renderer is not built: run `npm run build:renderer`, then restart `cfstudio serve`. The API is up at /api/invoke.\n');
      return;
    }
    // Unknown paths without an extension are client-side routes: answer with the app.
    const file = resolveStaticPath(rendererDir, url.pathname === '/' ? '/index.html' : url.pathname) ?? (extname(url.pathname) ? undefined : index);
    if (!file) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('not found\n');
      return;
    }
    if (url.searchParams.has('token')) {
      // Later requests (assets, reloads) authenticate with this cookie; it never leaves this origin.
      response.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    const isHtml = file.endsWith('.html');
    response.writeHead(200, {
      'Content-Type': MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': isHtml ? 'no-store' : 'private, max-age=3600',
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  };

  const server = createServer((request, response) => {
    baseHeaders(response);
    if (!isAllowedHost(request.headers.host, allowedHosts)) {
      return sendError(response, 403, 'unauthorized', 'Host header not allowed (DNS rebinding protection); use localhost or an IP address, or start the server with --allow-host NAME');
    }
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const given = tokenOf(request, url);
    if (given === undefined || !tokensEqual(given, token)) {
      return sendError(response, 401, 'unauthorized', 'missing or wrong access token: open the URL printed by `cfstudio serve` (…/?token=…)');
    }
    if (!isSameOrigin(request)) return sendError(response, 403, 'unauthorized', 'cross-origin requests are not accepted');
    if (url.pathname === '/api/invoke') {
      handleInvoke(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendError(response, 500, 'internal', internalErrorMessage(error));
        else response.destroy();
      });
      return;
    }
    if (url.pathname === '/api/download') return handleDownload(url, response);
    if (url.pathname.startsWith('/api/')) return sendError(response, 404, 'not-found', `no API endpoint ${url.pathname}`);
    handleStatic(request, url, response);
  });

  // Clients only listen; the small payload limit stops anyone from pushing large frames at us.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (request, socket, head) => {
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(request.url ?? '/', 'http://placeholder');
    if (!isAllowedHost(request.headers.host, allowedHosts)) return refuse(403, 'Forbidden');
    const given = tokenOf(request, url);
    if (given === undefined || !tokensEqual(given, token)) return refuse(401, 'Unauthorized');
    if (!isSameOrigin(request)) return refuse(403, 'Forbidden');
    if (url.pathname !== '/api/events') return refuse(404, 'Not Found');
    sockets.handleUpgrade(request, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
    });
  });

  const unsubscribe = options.subscribe((event) => {
    const frame = JSON.stringify(event);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(frame);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8765, bindHost, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${urlHost(bindHost)}:${port}/?token=${token}`,
    host: bindHost,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      sockets.close();
      await new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
    },
  };
}
