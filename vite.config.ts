import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));

/**
 * The renderer app: sources in renderer/, built to dist/renderer/ (git-ignored). The same bundle is loaded by the
 * Electron window (file://, hence the relative `base`) and served by `cfstudio serve` in browser mode.
 */
export default defineConfig({
  root: `${repoRoot}renderer`,
  base: './',
  plugins: [react()],
  // moyo's symmetry tables are WebAssembly; the renderer imports the .wasm file with `?url` so it is emitted as an
  // asset and fetched by shared/symmetry/moyo.ts `initSymmetry({ wasmUrl })`.
  assetsInclude: ['**/*.wasm'],
  // renderer/src/symmetry/structure.worker.ts (structure files are read and analysed off the UI thread) is an ES
  // module worker; its dynamic imports need a code-splitting format.
  worker: { format: 'es' },
  build: {
    outDir: `${repoRoot}dist/renderer`,
    emptyOutDir: true,
    target: 'es2022',
    // three.js alone is ~700 kB minified; one chunk per large library keeps caching useful and the warning honest.
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks: {
          three: ['three'],
          react: ['react', 'react-dom', '@react-three/fiber'],
        },
      },
    },
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: false, fs: { allow: [repoRoot] } },
  preview: { host: '127.0.0.1', port: 4173, strictPort: false },
  optimizeDeps: { exclude: ['@spglib/moyo-wasm'] },
});
