import { BackendUnavailableError, type StudioBackend } from './backend.ts';

/**
 * The backend of a renderer served on its own (Vite dev/preview, static hosting): the viewer and the prompt
 * builder work, generation does not, and it says why rather than returning made-up candidates.
 */
export function createStandaloneBackend(): StudioBackend {
  return {
    kind: 'standalone',
    description: 'Standalone — no engine connected',
    async listModels() {
      return [];
    },
    async spaceGroupFrequencies() {
      return {};
    },
    async generate() {
      throw new BackendUnavailableError(
        'No engine is connected: generation runs in the desktop app or behind `cfstudio serve` (open the URL it prints, with its token).',
      );
    },
  };
}
