/**
 * Builds the renderer (unless CFSTUDIO_E2E_REUSE_BUILD=1 and a build exists) and serves it with `vite preview`
 * on 127.0.0.1 at a free port; the URL reaches the tests through `inject('rendererUrl')`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { build, preview } from 'vite';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const configFile = `${repoRoot}vite.config.ts`;

declare module 'vitest' {
  export interface ProvidedContext {
    rendererUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reuse = process.env.CFSTUDIO_E2E_REUSE_BUILD === '1' && existsSync(`${repoRoot}dist/renderer/index.html`);
  if (!reuse) await build({ configFile, logLevel: 'warn' });
  const server = await preview({ configFile, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false }, logLevel: 'warn' });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a local URL');
  project.provide('rendererUrl', url);
  return async () => {
    await server.close();
  };
}
