/**
 * The Content-Security-Policy of the UI, the same in the desktop app and in browser mode: only the app's own
 * scripts, styles, images and connections; no remote content, no inline scripts, no plugins, no framing.
 * `'wasm-unsafe-eval'` lets the page compile WebAssembly (moyo symmetry analysis) without allowing eval().
 * Inline styles stay allowed because React style props and three.js helpers set them.
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    // 'self' covers same-origin ws:/wss: in current Chromium and Firefox (CSP level 3).
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
  ].join('; ');
}
