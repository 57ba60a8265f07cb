/**
 * Access control of the browser-mode server: a random token, compared in constant time, and a Host/Origin
 * check that defeats DNS rebinding (a page on evil.example resolving to 127.0.0.1 still sends
 * `Host: evil.example`, which is refused).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'cfstudio_token';

/** 32 random bytes, URL-safe base64 (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Constant-time comparison. Both sides are hashed first so the comparison takes the same time whatever the
 * lengths, and `timingSafeEqual` never sees buffers of different sizes.
 */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The hostname part of a Host header value (`[::1]:8765` → `::1`, `localhost:80` → `localhost`). */
export function hostnameOf(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end > 0 ? value.slice(1, end) : value;
  }
  const colon = value.lastIndexOf(':');
  return colon >= 0 && value.indexOf(':') === colon ? value.slice(0, colon) : value;
}

/**
 * A Host header is accepted when it names loopback (`localhost`, `127.x`, `::1`), is any IP literal (DNS
 * rebinding needs a DNS name), or is one of the names the operator allowed explicitly (`--allow-host`).
 * The port is not checked: behind an SSH tunnel the browser's port differs from ours.
 */
export function isAllowedHost(hostHeader: string | undefined, allowedNames: readonly string[] = []): boolean {
  if (!hostHeader) return false;
  const name = hostnameOf(hostHeader);
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) !== 0) return true;
  return allowedNames.some((allowed) => allowed.toLowerCase() === name);
}

/** A request's Origin (if any) must be the same origin as its Host — browsers always send it on POST and WS. */
export function isSameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true; // non-browser clients (curl, tests) send none
  if (origin === 'null') return false;
  try {
    return new URL(origin).host.toLowerCase() === (request.headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

/** The token a request carries: `Authorization: Bearer`, the `token` query parameter, or the session cookie. */
export function tokenOf(request: IncomingMessage, url: URL): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length).trim();
  const query = url.searchParams.get('token');
  if (query) return query;
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === TOKEN_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}
