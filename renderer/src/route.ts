/**
 * Hash routes (`#/viewer?structure=nacl&supercell=2,2,2`): they work under file:// in Electron and behind any
 * static server, and let a URL open a view in a given state (links, tests).
 */
export const VIEWS = [
  { id: 'generate', label: 'Generate', key: '1' },
  { id: 'viewer', label: 'Viewer', key: '2' },
  { id: 'library', label: 'Library', key: '3' },
  { id: 'mcmc', label: 'MCMC', key: '4' },
  { id: 'rl', label: 'RL', key: '5' },
  { id: 'training', label: 'Training', key: '6' },
  { id: 'settings', label: 'Settings', key: '7' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

export interface Route {
  view: ViewId;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = body.split('?');
  const view = VIEWS.find((v) => v.id === path)?.id ?? 'generate';
  return { view, params: new URLSearchParams(query) };
}

export function routeHash(view: ViewId, params?: Record<string, string>): string {
  const query = params ? new URLSearchParams(params).toString() : '';
  return `#/${view}${query ? `?${query}` : ''}`;
}

/** Parses 'n,m,k' into a supercell triple, or returns null when absent or malformed. */
export function parseSupercell(text: string | null): [number, number, number] | null {
  if (!text) return null;
  const parts = text.split(/[,x×]/).map(Number);
  if (parts.length !== 3 || !parts.every((n) => Number.isInteger(n) && n >= 1)) return null;
  return parts as [number, number, number];
}
