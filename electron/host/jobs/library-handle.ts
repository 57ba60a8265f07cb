import { openLibrary, type Library } from '../../library/index.ts';

let opened: { workspace: string; library: Library } | undefined;

/**
 * The workspace library as the engine host uses it: opened once per host process. The first open also marks
 * runs a previous host left 'running' as failed — one host serves a workspace, so any such run belongs to a
 * host that died.
 */
export function workspaceLibrary(workspace: string): Library {
  if (opened?.workspace === workspace) return opened.library;
  opened?.library.close();
  const library = openLibrary(workspace);
  library.markInterruptedRuns('interrupted: the engine host stopped while the run was in progress');
  opened = { workspace, library };
  return library;
}

/** Rate-limits "library changed" notifications so a fast import does not flood the UI with refreshes. */
export function throttled(action: () => void, intervalMs = 500): { call(): void; flush(): void } {
  let last = 0;
  let pending = false;
  return {
    call() {
      if (Date.now() - last >= intervalMs) {
        last = Date.now();
        pending = false;
        action();
      } else pending = true;
    },
    flush() {
      if (pending) action();
      pending = false;
    },
  };
}
