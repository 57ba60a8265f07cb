/**
 * Checks of output destinations before a command creates or writes anything, so an unusable `--out` is one
 * line and exit 1 — an existing file where a folder is wanted, /dev/null, a path under a file (ENOTDIR), a
 * `samples.jsonl` that is a folder, a folder we may not write — and a path on a kernel pseudo-filesystem
 * (/proc, /sys, …) is refused at once instead of a recursive mkdir that may never return there.
 */
import { constants } from 'node:fs';
import { access, lstat, stat, statfs } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { UserError } from './command.ts';
import { quoteForMessage } from '../../shared/text/safe-text.ts';

/** statfs type numbers of kernel pseudo-filesystems (linux/magic.h): procfs, sysfs, devpts, cgroup, cgroup2, debugfs, tracefs, securityfs, bpf, pstore, efivarfs, configfs. */
const PSEUDO_FILESYSTEMS = new Set([0x9fa0, 0x62656572, 0x1cd1, 0x27e0eb, 0x63677270, 0x64626720, 0x74726163, 0x73636673, 0xcafe4a11, 0x6165676c, 0xde5e81e4, 0x62656570]);

/** Top folders that hold devices and kernel state, never results (checked by name too: /dev is an ordinary tmpfs). */
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];

const shown = (path: string) => quoteForMessage(path, 300);

/** The nearest existing ancestor of `path` (or `path` itself) and its lstat-free stat, following symlinks. */
async function nearestExisting(path: string): Promise<{ path: string; isDirectory: boolean }> {
  let current = resolve(path);
  for (;;) {
    try {
      const info = await stat(current);
      return { path: current, isDirectory: info.isDirectory() };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOTDIR: a component of the path is a file; keep walking up to find which.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UserError(`${shown(path)}: cannot use as an output (${(error as Error).message})`);
      const parent = dirname(current);
      if (parent === current) return { path: current, isDirectory: true };
      current = parent;
    }
  }
}

async function refuseSpecialFilesystem(path: string, existing: string): Promise<void> {
  const absolute = resolve(path);
  for (const root of SPECIAL_ROOTS) {
    if (absolute === root || absolute.startsWith(root + sep)) throw new UserError(`${shown(path)}: is on ${root}, a system filesystem, not a place for output`);
  }
  let type: number | undefined;
  try {
    type = (await statfs(existing)).type;
  } catch {
    return; // statfs unsupported here: the name check above is what we have
  }
  if (PSEUDO_FILESYSTEMS.has(type)) throw new UserError(`${shown(path)}: is on a kernel pseudo-filesystem (${existing}), not a place for output`);
}

async function requireWritable(path: string, folder: string): Promise<void> {
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw new UserError(`${shown(path)}: cannot write in ${shown(folder)} (permission denied or read-only)`);
  }
}

/**
 * `dir` can be an output folder: an existing folder we may write in, or a path that a recursive mkdir can create
 * (its nearest existing ancestor is a writable folder). `files` are names inside it that we will append to: if they
 * exist they must be regular files (e.g. `samples.jsonl`).
 */
export async function checkOutputDirectory(dir: string, files: readonly string[] = []): Promise<void> {
  const existing = await nearestExisting(dir);
  await refuseSpecialFilesystem(dir, existing.path);
  if (!existing.isDirectory) {
    if (existing.path === resolve(dir)) throw new UserError(`${shown(dir)}: exists and is not a folder (an output folder is needed)`);
    throw new UserError(`${shown(dir)}: cannot create: ${shown(existing.path)} is a file, not a folder`);
  }
  await requireWritable(dir, existing.path);
  if (existing.path !== resolve(dir)) return;
  for (const name of files) {
    const file = join(dir, name);
    let info;
    try {
      info = await lstat(file);
    } catch {
      continue;
    }
    if (!info.isFile()) throw new UserError(`${shown(file)}: exists and is not a regular file`);
    await requireWritable(file, file);
  }
}

/**
 * `file` can be written: not a folder, not on a system filesystem, in an existing folder we may write in.
 * Character devices such as /dev/stdout or /dev/null are allowed for a single output file.
 */
export async function checkOutputFile(file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch {
    info = undefined;
  }
  if (info?.isCharacterDevice()) return;
  if (info?.isDirectory()) throw new UserError(`${shown(file)}: is a folder (an output file is needed)`);
  const existing = await nearestExisting(dirname(resolve(file)));
  await refuseSpecialFilesystem(file, existing.path);
  if (existing.path !== dirname(resolve(file))) {
    if (!existing.isDirectory) throw new UserError(`${shown(file)}: cannot write: ${shown(existing.path)} is a file, not a folder`);
    throw new UserError(`${shown(file)}: cannot write: the folder ${shown(dirname(resolve(file)))} does not exist`);
  }
  if (!existing.isDirectory) throw new UserError(`${shown(file)}: cannot write: ${shown(existing.path)} is a file, not a folder`);
  await requireWritable(file, info ? resolve(file) : existing.path);
}
