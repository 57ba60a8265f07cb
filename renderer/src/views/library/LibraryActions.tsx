/**
 * What the Library view does with rows: import CIF / POSCAR files (duplicates of stored crystals are skipped and
 * named), and for the selected rows relax or score E_hull with the potential, export (CIF zip, POSCAR zip,
 * extended XYZ, JSON), tag and untag, delete (asked twice).
 */
import { useState } from 'react';
import type { LibraryBackend, LibraryExportFormat } from '../../api/backend.ts';
import { parseTagList } from './libraryQuery.ts';

const EXPORT_LABELS: Record<LibraryExportFormat, string> = { zip: 'CIF (zip)', 'poscar-zip': 'POSCAR (zip)', extxyz: 'extended XYZ', json: 'JSON' };

export interface LibraryFeedback {
  message: (text: string | null) => void;
  error: (text: string | null) => void;
}

export function LibraryImport({ library, feedback, onDone }: { library: LibraryBackend; feedback: LibraryFeedback; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const importFiles = async (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const files = await Promise.all([...list].map(async (file) => ({ name: file.name, text: await file.text() })));
    setBusy(true);
    feedback.error(null);
    feedback.message(`Importing ${files.length} file${files.length === 1 ? '' : 's'}…`);
    try {
      const result = await library.importFiles(files);
      const parts = [`Imported ${result.imported.length} structure${result.imported.length === 1 ? '' : 's'}`];
      if (result.duplicates.length) parts.push(`skipped ${result.duplicates.length} already in the library (${result.duplicates.map((d) => `${d.source} = #${d.duplicateOf}`).join(', ')})`);
      if (result.failed.length) parts.push(`${result.failed.length} failed: ${result.failed.map((f) => f.error).join('; ')}`);
      feedback.message(parts.join('; '));
      onDone();
    } catch (e) {
      feedback.message(null);
      feedback.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  // No `accept` filter: POSCAR and CONTCAR files usually have no extension; unreadable files are reported by name.
  return (
    <label className="field file-import" title="CIF (every data block with atom sites) or POSCAR files; a crystal the library already holds (structure matching) is skipped">
      <span>Import</span>
      <input
        type="file"
        multiple
        disabled={busy}
        aria-label="Import CIF or POSCAR files"
        onChange={(e) => {
          void importFiles(e.target.files);
          e.target.value = '';
        }}
      />
    </label>
  );
}

export function LibraryActions({
  library,
  selected,
  feedback,
  onChanged,
  onDeleted,
  onTrainOn,
}: {
  library: LibraryBackend;
  selected: readonly number[];
  feedback: LibraryFeedback;
  onChanged: () => void;
  /** The deleted rows leave the selection. */
  onDeleted: (ids: readonly number[]) => void;
  /** "Train on selected": the selected rows become the Training panel's dataset (absent: no button). */
  onTrainOn?: ((ids: number[]) => void) | undefined;
}) {
  const [busy, setBusy] = useState(false);
  const [format, setFormat] = useState<LibraryExportFormat>('zip');
  const [tagText, setTagText] = useState('');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const count = selected.length;
  const none = count === 0;

  const run = async (start: string | null, action: () => Promise<string | null>) => {
    feedback.error(null);
    feedback.message(start);
    setBusy(true);
    try {
      feedback.message(await action());
    } catch (e) {
      feedback.message(null);
      feedback.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const relax = () =>
    run(`Relaxing ${count} with the potential (space group kept)…`, async () => {
      const entries = await library.relax([...selected], (done, total) => feedback.message(`Relaxing: ${done} of ${total} done…`));
      const saved = entries.filter((e) => e.savedId !== null);
      const notSaved = entries.filter((e) => e.savedId === null);
      onChanged();
      return (
        `Relaxed ${entries.length}: ${saved.length} saved (${saved.map((e) => `#${e.savedId} from #${e.parentId}`).join(', ') || 'none'})` +
        (notSaved.length ? `; not saved: ${notSaved.map((e) => `#${e.parentId} ${e.status}${e.error ? ` (${e.error})` : ''}`).join(', ')}` : '')
      );
    });
  const score = () =>
    run(`Computing single-point E_hull for ${count}…`, async () => {
      const { scored, failed } = await library.score([...selected]);
      onChanged();
      return `Scored ${scored}${failed ? `; ${failed} failed` : ''} (single point, M3GNet).`;
    });
  const exportRows = () =>
    run(null, async () => {
      const result = await library.export([...selected], format);
      return result.count > 0 ? `Exported ${result.count} structure${result.count === 1 ? '' : 's'} as ${result.fileName}` : null;
    });
  const tag = (mode: 'add' | 'remove') => {
    const tags = parseTagList(tagText);
    if (tags.length === 0) {
      feedback.error('Tags: type one or more, separated by commas');
      return;
    }
    return run(null, async () => {
      await library.tag([...selected], mode === 'add' ? tags : [], mode === 'remove' ? tags : []);
      onChanged();
      return `${mode === 'add' ? 'Tagged' : 'Untagged'} ${count} with ${tags.join(', ')}`;
    });
  };
  const remove = () =>
    run(null, async () => {
      const ids = [...selected];
      const deleted = await library.delete(ids);
      setConfirmDelete(false);
      onDeleted(ids);
      onChanged();
      return `Deleted ${deleted} structure${deleted === 1 ? '' : 's'}`;
    });

  return (
    <div className="library-actions" role="group" aria-label="Selected structures">
      <span className="hint">{none ? 'Select rows to act on them' : `${count} selected`}</span>
      <div className="action-row">
        <button type="button" disabled={none || busy} onClick={relax} title="Relax with the M3GNet potential (FIRE, space group kept) and save each relaxed structure as a new row linked to its parent">
          Relax selected{none ? '' : ` (${count})`}
        </button>
        <button type="button" disabled={none || busy} onClick={score} title="Single point of the M3GNet potential on each selected structure as stored: E_hull labelled single point, stored on the row">
          Score E_hull
        </button>
      </div>
      <div className="action-row">
        <select value={format} onChange={(e) => setFormat(e.target.value as LibraryExportFormat)} aria-label="Export format">
          {Object.entries(EXPORT_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <button type="button" className="primary" disabled={none || busy} onClick={exportRows}>
          Export{none ? '' : ` ${count}`}
        </button>
        {onTrainOn && (
          <button type="button" disabled={none || busy} onClick={() => onTrainOn([...selected].sort((a, b) => a - b))} title="Prepare a training dataset from the selected rows in the Training view">
            Train on selected
          </button>
        )}
      </div>
      <div className="action-row">
        <input value={tagText} onChange={(e) => setTagText(e.target.value)} placeholder="tags, comma separated" aria-label="Tags to add or remove" list="library-tag-list" />
        <button type="button" disabled={none || busy} onClick={() => tag('add')}>
          Add tag
        </button>
        <button type="button" disabled={none || busy} onClick={() => tag('remove')}>
          Remove tag
        </button>
      </div>
      <div className="action-row">
        {confirmDelete ? (
          <>
            <button type="button" className="danger" disabled={none || busy} onClick={remove}>
              Delete {count} for good
            </button>
            <button type="button" onClick={() => setConfirmDelete(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" disabled={none || busy} onClick={() => setConfirmDelete(true)}>
            Delete{none ? '' : ` ${count}`}…
          </button>
        )}
      </div>
    </div>
  );
}
