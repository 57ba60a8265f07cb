// The desktop main process accepts a path from the page only inside the workspace or when the user chose it in a
// native dialog this session (electron/main/path-approval.ts, applied by main.ts to job submissions and
// workspace.open). Checked here on real folders and symbolic links, without the Electron binary.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/contract.ts';
import { DialogApprovals } from '../../electron/main/path-approval.ts';

const root = mkdtempSync(join(tmpdir(), 'cfstudio-approval-'));
const workspace = join(root, 'workspace');
const elsewhere = join(root, 'elsewhere');
mkdirSync(join(workspace, 'jobs'), { recursive: true });
mkdirSync(elsewhere, { recursive: true });
writeFileSync(join(workspace, 'inside.cif'), 'data_x\n');
writeFileSync(join(elsewhere, 'chosen.cif'), 'data_x\n');
writeFileSync(join(elsewhere, 'other.cif'), 'data_x\n');
// A link inside the workspace that leads out of it.
symlinkSync(elsewhere, join(workspace, 'link-out'));

afterAll(() => rmSync(root, { recursive: true, force: true }));

const importOf = (...paths: string[]) => ({ sources: paths.map((path) => ({ path })) });

describe('job submissions from the desktop page', () => {
  it('accepts workspace paths (absolute or relative) without a grant', () => {
    const approvals = new DialogApprovals();
    expect(approvals.grantFor('import-structures', importOf(join(workspace, 'inside.cif'), 'inside.cif'), workspace)).toEqual({});
  });

  it('refuses an outside path that no dialog returned, naming the field', () => {
    const approvals = new DialogApprovals();
    const attempt = () => approvals.grantFor('import-structures', importOf('inside.cif', join(elsewhere, 'other.cif')), workspace);
    expect(attempt).toThrow(ApiError);
    expect(attempt).toThrow(/params\.sources\[1\]\.path: '.*other\.cif' is outside the workspace and was not chosen in a file dialog/);
  });

  it('grants exactly the files chosen in an open dialog, and nothing next to them', () => {
    const approvals = new DialogApprovals();
    approvals.approve([join(elsewhere, 'chosen.cif')]);
    expect(approvals.grantFor('import-structures', importOf(join(elsewhere, 'chosen.cif')), workspace)).toEqual({ approvedPaths: [join(elsewhere, 'chosen.cif')] });
    expect(() => approvals.grantFor('import-structures', importOf(join(elsewhere, 'other.cif')), workspace)).toThrow(/outside the workspace/);
    expect(() => approvals.grantFor('import-structures', importOf(join(elsewhere, 'chosen.cif', '..', 'other.cif')), workspace)).toThrow(/outside the workspace/);
  });

  it('resolves symbolic links: a link in the workspace to an outside file is an outside path', () => {
    const approvals = new DialogApprovals();
    expect(() => approvals.grantFor('import-structures', importOf('link-out/other.cif'), workspace)).toThrow(/sources\[0\]\.path/);
    // The same file through the link is the file the dialog returned.
    approvals.approve([join(elsewhere, 'other.cif')]);
    expect(approvals.grantFor('import-structures', importOf('link-out/other.cif'), workspace)).toEqual({ approvedPaths: [join(elsewhere, 'other.cif')] });
  });

  it('checks export destinations from the save dialog the same way (a file that does not exist yet)', () => {
    const approvals = new DialogApprovals();
    const destination = join(elsewhere, 'export.zip');
    const params = { selection: { ids: [1] }, destination };
    expect(() => approvals.grantFor('export-structures', params, workspace)).toThrow(/params\.destination/);
    approvals.approve([destination]);
    expect(approvals.grantFor('export-structures', params, workspace)).toEqual({ approvedPaths: [destination] });
    expect(approvals.grantFor('export-structures', { selection: { ids: [1] }, destination: join(workspace, 'out', 'e.zip') }, workspace)).toEqual({});
  });

  it('lets shipped models by name through and checks model folders like any path', () => {
    const approvals = new DialogApprovals();
    const finetune = (model: string) => ({ model, reward: { version: 1, reward: { kind: 'predictor', predictor: 'band_gap' } }, out: 'runs/rl' });
    expect(approvals.grantFor('finetune', finetune('default'), workspace)).toEqual({});
    expect(() => approvals.grantFor('finetune', finetune(elsewhere), workspace)).toThrow(/params\.model/);
  });
});

describe('workspace.open from the page', () => {
  it('opens recent workspaces, dialog-chosen folders and folders inside the workspace only', () => {
    const approvals = new DialogApprovals();
    mkdirSync(join(workspace, 'sub'), { recursive: true });
    expect(approvals.workspaceOpenAllowed(join(workspace, 'sub'), workspace, [])).toBe(true);
    expect(approvals.workspaceOpenAllowed(elsewhere, workspace, [])).toBe(false);
    expect(approvals.workspaceOpenAllowed(elsewhere, workspace, [elsewhere])).toBe(true);
    expect(approvals.workspaceOpenAllowed(join(workspace, 'link-out'), workspace, [])).toBe(false);
    approvals.approve([elsewhere]);
    expect(approvals.workspaceOpenAllowed(elsewhere, workspace, [])).toBe(true);
    // Never a folder that does not exist (the page cannot create folders), nor a file.
    expect(approvals.workspaceOpenAllowed(join(workspace, 'missing'), workspace, [])).toBe(false);
    expect(approvals.workspaceOpenAllowed(join(workspace, 'inside.cif'), workspace, [])).toBe(false);
  });
});
