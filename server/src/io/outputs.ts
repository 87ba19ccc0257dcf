/**
 * Outputs that would overwrite an input or each other: shared by the CLI (`--out`,
 * `--chrome-trace`, `--scenario`, `--html`) and the language server's exports.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/** A file's identity: its real path, and device + inode when it exists (hard links). */
function identity(p: string): { real: string; ino?: string } {
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    // Not there yet: the real directory plus the name.
    try {
      real = resolve(realpathSync(dirname(resolve(p))), basename(p));
    } catch {
      real = resolve(p);
    }
  }
  let ino: string | undefined;
  try {
    const s = statSync(p);
    if (s.isFile()) ino = `${s.dev}:${s.ino}`;
  } catch {
    /* not there yet */
  }
  return { real, ino };
}

/**
 * Two paths name the same file (real path, or device and inode: a symlink, `..`, a hard link).
 * Standard input (`-`) twice is the same input too. Missing files compare by their paths.
 */
export function sameFile(a: string, b: string): boolean {
  if (a === '-' || b === '-') return a === b;
  return sameIdentity(identity(a), identity(b));
}

function sameIdentity(x: { real: string; ino?: string }, y: { real: string; ino?: string }): boolean {
  return x.real === y.real || (x.ino !== undefined && x.ino === y.ino);
}

/** Why a file cannot be created at `p` whatever its permissions (a directory there, no directory above), or undefined. */
function unwritablePlace(p: string): string | undefined {
  try {
    if (statSync(p).isDirectory()) return 'is a directory';
    return undefined;
  } catch {
    /* not there yet: its directory must be */
  }
  const dir = dirname(resolve(p));
  try {
    return statSync(dir).isDirectory() ? undefined : `${dirname(p)} is not a directory`;
  } catch {
    return `no directory ${dirname(p)}`;
  }
}

/**
 * Refuses outputs that would overwrite an input or each other (compared by real path, and by
 * device and inode for existing files), and outputs that no file can be written to (an existing
 * directory, a missing directory above): returns a message naming the option(s), or undefined.
 * Standard input (`-`) and devices such as /dev/null are not files and never collide. An
 * empty output path is refused too (it names no file).
 */
export function outputConflict(inputs: readonly { what: string; path: string }[], outputs: readonly { what: string; path: string | undefined }[]): string | undefined {
  const isDevice = (p: string) => {
    try {
      const s = statSync(p);
      return !s.isFile() && !s.isDirectory();
    } catch {
      return false;
    }
  };
  const seen: { what: string; path: string; id: { real: string; ino?: string } }[] = [];
  for (const i of inputs) if (i.path !== '-' && !isDevice(i.path)) seen.push({ ...i, id: identity(i.path) });
  const nInputs = seen.length;
  for (const o of outputs) {
    // `--out ''` named no file: the output was skipped without a word (exit 0, nothing written).
    if (o.path === '') return `${o.what} expects a file name, got an empty string`;
    if (o.path === undefined || isDevice(o.path)) continue;
    // Where the file cannot be created at all, say so before the run (a sweep or a large trace
    // took minutes, then failed to write: `cannot write nodir/x.json: ENOENT`).
    const place = unwritablePlace(o.path);
    if (place) return `cannot write ${o.what} ${o.path}: ${place}`;
    const id = identity(o.path);
    const same = seen.find((s) => sameIdentity(s.id, id));
    if (same) {
      const isInput = seen.indexOf(same) < nInputs;
      return isInput
        ? `${o.what} ${o.path} is the input file ${same.path}: refusing to overwrite it`
        : `${o.what} ${o.path} and ${same.what} ${same.path} name the same file: only one output would survive`;
    }
    seen.push({ what: o.what, path: o.path, id });
  }
  return undefined;
}

