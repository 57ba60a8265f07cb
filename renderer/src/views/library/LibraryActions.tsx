/**
 * What the Library view does with rows: import CIF / POSCAR files (duplicates of stored crystals are skipped and
 * named), and for the selected rows relax or score E_hull with the potential, export (CIF zip, POSCAR zip,
 * extended XYZ, JSON), tag and untag, delete (asked twice).
 */
import { useState } from 'react';
import type { LibraryBackend, LibraryExportFormat, LibraryImportResult } from '../../api/backend.ts';
import { parseTagList } from './libraryQuery.ts';

const EXPORT_LABELS: Record<LibraryExportFormat, string> = { zip: 'CIF (zip)', 'poscar-zip': 'POSCAR (zip)', extxyz: 'extended XYZ', json: 'JSON' };

export interface LibraryFeedback {
  message: (text: string | null) => void;
  error: (text: string | null) => void;
}

/** What an import reported, in one line: how many were imported, skipped as duplicates (named) and failed (why). */
export function importSummary(result: LibraryImportResult): string {
  const parts = [`Imported ${result.imported.length} structure${result.imported.length === 1 ? '' : 's'}`];
  if (result.duplicates.length) parts.push(`skipped ${result.duplicates.length} already in the library (${result.duplicates.map((d) => `${d.source} = #${d.duplicateOf}`).join(', ')})`);
  if (result.failed.length) parts.push(`${result.failed.length} failed: ${result.failed.map((f) => f.error).join('; ')}`);
  return parts.join('; ');
}

/**
 * Importing into the library from the page's file input or, in the desktop app, from the native open dialog
 * (File › Import Structures…); both report through the Library view's feedback line.
 */
export function useLibraryImport(library: LibraryBackend | undefined, feedback: LibraryFeedback, onDone: () => void) {
  const [busy, setBusy] = useState(false);
  const run = async (count: number | null, load: () => Promise<LibraryImportResult | null>) => {
    setBusy(true);
    feedback.error(null);
    feedback.message(count === null ? 'Importing…' : `Importing ${count} file${count === 1 ? '' : 's'}…`);
    try {
      const result = await load();
      feedback.message(result ? importSummary(result) : null);
      if (result) onDone();
    } catch (e) {
      feedback.message(null);
      feedback.error((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const importFileList = async (list: FileList | null) => {
    if (!library || !list || list.length === 0) return;
    const files = await Promise.all([...list].map(async (file) => ({ name: file.name, text: await file.text() })));
    await run(files.length, () => library.importFiles(files));
  };
  const chooseFiles = library?.importChosenFiles?.bind(library);
  const chooseAndImport = chooseFiles ? () => run(null, chooseFiles) : undefined;
  return { busy, importFileList, chooseAndImport };
}

export function LibraryImport({ busy, onFiles }: { busy: boolean; onFiles: (list: FileList | null) => void }) {
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
          onFiles(e.target.files);
          e.target.value = '';
        }}
      />
    </label>
  );
}

/** Exports rows in a format; the one-line report, or null when the user cancelled the save dialog. */
export async function exportSelection(library: LibraryBackend, ids: readonly number[], format: LibraryExportFormat): Promise<string | null> {
  const result = await library.export([...ids], format);
  return result.count > 0 ? `Exported ${result.count} structure${result.count === 1 ? '' : 's'} as ${result.fileName}` : null;
}

export function LibraryActions({
  library,
  selected,
  format,
  onFormat,
  feedback,
  onChanged,
  onDeleted,
  onTrainOn,
}: {
  library: LibraryBackend;
  selected: readonly number[];
  /** The export format (the Library view keeps it: File › Export Selection… uses it too). */
  format: LibraryExportFormat;
  onFormat: (format: LibraryExportFormat) => void;
  feedback: LibraryFeedback;
  onChanged: () => void;
  /** The deleted rows leave the selection. */
  onDeleted: (ids: readonly number[]) => void;
  /** "Train on selected": the selected rows become the Training panel's dataset (absent: no button). */
  onTrainOn?: ((ids: number[]) => void) | undefined;
}) {
  const [busy, setBusy] = useState(false);
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
  const exportRows = () => run(null, () => exportSelection(library, selected, format));
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
        <select value={format} onChange={(e) => onFormat(e.target.value as LibraryExportFormat)} aria-label="Export format">
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
