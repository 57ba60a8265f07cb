/**
 * Picks the backend for this page. The desktop bridge (`window.cfstudio` from the preload) and the browser-mode
 * client (`?token=` in the URL of `cfstudio serve`) implement `StudioBackend` over shared/api once the generate
 * job exists; until then every page runs standalone.
 */
import type { StudioBackend } from './backend.ts';
import { createStandaloneBackend } from './standalone.ts';

export * from './backend.ts';

export function createBackend(): StudioBackend {
  return createStandaloneBackend();
}
