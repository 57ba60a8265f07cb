import { useMemo, type ReactNode } from 'react';
import { allSpaceGroups, type SpaceGroup } from '../../../shared/symmetry/spacegroups.ts';
import type { SymmetryState } from '../App.tsx';

/**
 * What a space-group form shows while the symmetry tables load (a hint), when they failed (why `what` is
 * unavailable), and once they are ready (`children` with all 230 groups).
 */
export function SymmetryGate({ symmetry, what, children }: { symmetry: SymmetryState; what: string; children: (groups: readonly SpaceGroup[]) => ReactNode }) {
  const groups = useMemo(() => (symmetry.status === 'ready' ? allSpaceGroups() : []), [symmetry.status]);
  return (
    <>
      {symmetry.status === 'loading' && <p className="hint">Loading space-group tables…</p>}
      {symmetry.status === 'failed' && (
        <p className="error" role="alert">
          The space-group tables could not be loaded, so {what} is unavailable: {symmetry.message}
        </p>
      )}
      {symmetry.status === 'ready' && children(groups)}
    </>
  );
}
