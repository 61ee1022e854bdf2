// What editing one IDE configuration format takes: reading the servers by name, and setting, replacing or removing
// one entry in the text so that everything else stays as it was, byte for byte.
import { TetherError } from '../errors.js';
import type { ServerEntry } from './entry.js';

export interface ConfigFormat {
  /** The servers by name (empty when the file or the key is absent); TETHER_CONFIG_INVALID for a broken file. */
  servers(text: string, key: string, file: string): Record<string, unknown>;
  /** `text` with servers[name] set to `entry`, or removed when `entry` is undefined. */
  setEntry(text: string, key: string, name: string, entry: ServerEntry | undefined): string;
  /** `text` with only servers[name]'s `command` and `args` replaced: its environment and other keys are kept. */
  setCommand(text: string, key: string, name: string, command: string, args: string[]): string;
}

/** Line and column (1-based) of an offset, to point at a mistake without quoting the file (it may hold secrets). */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** The file cannot be read as its format: refused untouched, with the position and never the text around it. */
export function invalidConfig(file: string, what: string, line?: number, column?: number): TetherError {
  const at = line === undefined ? '' : ` at line ${line}, column ${column ?? 1}`;
  return new TetherError('TETHER_CONFIG_INVALID', `${file} is not valid ${what}${at}; it was left untouched.`, {
    hint: 'Fix the file (the IDE cannot read it either), or move it away and run the command again.',
  });
}

/** The line ending a file already uses (CRLF when it has one), LF for a new file. */
export function lineEnding(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}
