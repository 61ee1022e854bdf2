// Reading an IDE's configuration file and writing its new text: the previous text kept as a backup (owner-only: an
// entry's env may hold secrets), the new one written atomically (store/atomic-file.ts) with the file's own mode, through a
// symbolic link to the file it points at, and a missing file or folder created.
import { chmod, readFile, realpath, stat } from 'node:fs/promises';
import { TetherError } from '../errors.js';
import { writeFileAtomic } from '../store/atomic-file.js';

export interface ConfigText {
  /** The file written to: the target of a symbolic link, so that the link stays one. */
  path: string;
  /** The text, without a byte order mark (Windows editors write one; the IDEs' parsers skip it). */
  text: string;
  /** The file began with a UTF-8 byte order mark: it is written back with one. */
  bom: boolean;
  exists: boolean;
  /** Permission bits of the existing file; a new file is owner-only (it may hold secrets in `env`). */
  mode: number;
}

function writeFailed(path: string, error: unknown): TetherError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new TetherError('TETHER_CONFIG_WRITE_FAILED', `Cannot write ${path} (${code}); the file is as it was.`, {
    hint: 'Check the permissions of the file and its folder (or close a program that holds it), then run the command again.',
    cause: error,
  });
}

export async function readConfig(path: string): Promise<ConfigText> {
  const target = await realpath(path).catch(() => path);
  try {
    const [text, info] = await Promise.all([readFile(target, 'utf8'), stat(target)]);
    const bom = text.startsWith('\uFEFF');
    return { path: target, text: bom ? text.slice(1) : text, bom, exists: true, mode: info.mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path: target, text: '', bom: false, exists: false, mode: 0o600 };
    throw new TetherError('TETHER_UNREADABLE_FILE', `Cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, { hint: 'Check the path and its permissions.', cause: error });
  }
}

/** Writes `text` over the file read as `before`, its previous text kept at `backupPath`; returns the backup's path (none for a file that did not exist). */
export async function writeConfig(before: ConfigText, text: string, backupPath: string): Promise<string | undefined> {
  const backup = before.exists ? backupPath : undefined;
  const mark = before.bom ? '\uFEFF' : '';
  try {
    if (backup !== undefined) {
      await writeFileAtomic(backup, mark + before.text);
    }
    await writeFileAtomic(before.path, mark + text);
    if (before.mode !== 0o600) await chmod(before.path, before.mode);
  } catch (error) {
    throw writeFailed(before.path, error);
  }
  return backup;
}
