import type { ReactNode } from 'react';

/** A view whose feature is not built yet: it says what will be here, and shows no made-up data. */
export function PlannedView({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="planned-view" aria-labelledby="planned-title">
      <h2 id="planned-title">{title}</h2>
      <div className="planned-text">{children}</div>
    </section>
  );
}
