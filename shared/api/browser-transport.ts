/**
 * Browser-mode transport: requests go as `POST /api/invoke` (JSON), events arrive over one WebSocket at
 * `/api/events`. The access token travels in the `Authorization` header for HTTP and as the `token` query
 * parameter for the WebSocket (browsers cannot set headers on WebSocket handshakes). The socket reconnects
 * with capped back-off, so a restarted server or a dropped SSH tunnel heals without reloading the page.
 * Browser-safe; Node tests pass the `ws` package as `WebSocketImpl` (Node 20 has no global WebSocket).
 */
import type { ApiTransport } from './client.ts';

/** The part of the WHATWG WebSocket interface this transport uses (satisfied by browsers and by `ws`). */
export interface MinimalWebSocket {
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onopen: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string) => MinimalWebSocket;

export interface BrowserTransportOptions {
  /** Server origin, e.g. `http://127.0.0.1:8765` (default: the page's own origin). */
  baseUrl?: string;
  token: string;
  WebSocketImpl?: WebSocketConstructor;
  fetchImpl?: typeof fetch;
  /** Called when the event socket opens (true) or drops (false), for a connection indicator. */
  onConnectionChange?: (connected: boolean) => void;
}

/** Reads the token the server printed (`/?token=…`) from a page URL. */
export function tokenFromUrl(url: string): string | undefined {
  const token = new URL(url).searchParams.get('token');
  return token ?? undefined;
}

export function createBrowserTransport(options: BrowserTransportOptions): ApiTransport & { close(): void } {
  const base = (options.baseUrl ?? globalThis.location?.origin ?? '').replace(/\/$/, '');
  if (!base) throw new Error('createBrowserTransport: baseUrl is required outside a browser page');
  const fetchImpl = options.fetchImpl ?? globalThis.fetch.bind(globalThis);
  const WebSocketImpl = options.WebSocketImpl ?? (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;
  const listeners = new Set<(event: unknown) => void>();
  let socket: MinimalWebSocket | undefined;
  let closed = false;
  let retryDelayMs = 250;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const connect = (): void => {
    if (closed || socket || listeners.size === 0) return;
    if (!WebSocketImpl) throw new Error('no WebSocket implementation available');
    const url = `${base.replace(/^http/, 'ws')}/api/events?token=${encodeURIComponent(options.token)}`;
    const ws = new WebSocketImpl(url);
    socket = ws;
    ws.onopen = () => {
      retryDelayMs = 250;
      options.onConnectionChange?.(true);
    };
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let event: unknown;
      try {
        event = JSON.parse(message.data);
      } catch {
        return; // the client validates events; unparsable frames are dropped
      }
      for (const listener of listeners) listener(event);
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      socket = undefined;
      options.onConnectionChange?.(false);
      if (closed || listeners.size === 0) return;
      retryTimer = setTimeout(connect, retryDelayMs);
      retryDelayMs = Math.min(retryDelayMs * 2, 10_000);
    };
  };

  return {
    async invoke(method, params) {
      const response = await fetchImpl(`${base}/api/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
        body: JSON.stringify({ method, params }),
      });
      const text = await response.text();
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error(`server answered ${response.status} ${response.statusText}: ${text.slice(0, 200)}`);
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          clearTimeout(retryTimer);
          socket?.close(1000, 'no listeners');
        }
      };
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      socket?.close(1000, 'closed');
      socket = undefined;
    },
  };
}
