/**
 * The backend over the typed API contract (shared/api): the desktop app's preload bridge or `cfstudio serve`.
 * Generation goes through the engine host's job queue once a 'generate' job type exists; until then this
 * backend says which jobs the engine offers instead of pretending to generate.
 */
import type { ApiClient } from '../../../shared/api/client.ts';
import { BackendUnavailableError, type StudioBackend } from './backend.ts';

export function createConnectedBackend(client: ApiClient, kind: 'desktop' | 'browser'): StudioBackend {
  return {
    kind,
    description: kind === 'desktop' ? 'Desktop app — engine host connected' : 'Browser mode — connected to cfstudio serve',
    async listModels() {
      // The contract has no model registry yet: no models rather than invented ones.
      return [];
    },
    async spaceGroupFrequencies() {
      return {};
    },
    async generate() {
      const info = await client.call('app.info', {});
      if (!info.jobTypes.includes('generate')) {
        throw new BackendUnavailableError(
          `The engine does not offer generation yet (its jobs: ${info.jobTypes.join(', ') || 'none'}).`,
        );
      }
      throw new BackendUnavailableError('This version of the app cannot submit generate jobs; update the renderer.');
    },
  };
}
