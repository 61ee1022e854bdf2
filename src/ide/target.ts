// An IDE's configuration, ready to plan a change on: its file found by the IDE table, read, and paired with its format.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { stateDirectory } from '../store/paths.js';
import { readConfig, type ConfigText } from './config-file.js';
import type { ConfigFormat } from './config-format.js';
import { IDES, localAppData, type IdeId, type IdeInfo, type PathContext } from './ides.js';
import { jsonFormat } from './json-format.js';
import type { Config } from './plan.js';
import { tomlFormat } from './toml-format.js';

export interface Target {
  config: Config;
  read: ConfigText;
  /** `"type": "stdio"` in new entries. */
  typed: boolean;
  /**
   * Where the previous text is kept: beside the file (<file>.mcp-tether.bak), or, for a file in a project folder
   * (which git may pick up, with the secrets of an entry's env), in the state directory's backups/.
   */
  backup: string;
}

/** Where the IDE's files are: this machine, this user, this folder (and on Windows, Claude Desktop's MSIX package). */
export function pathContext(env: NodeJS.ProcessEnv): PathContext {
  const context: PathContext = { platform: process.platform, env, home: homedir(), cwd: process.cwd() };
  if (context.platform !== 'win32') return context;
  let packages: string[] = [];
  try {
    packages = readdirSync(join(localAppData(context), 'Packages')).filter((name) => name.startsWith('Claude_'));
  } catch {
    // no Packages folder: no MSIX app installed for this user
  }
  return { ...context, claudePackages: packages };
}

export async function openTarget(ide: IdeId, context: PathContext): Promise<Target> {
  const info: IdeInfo = IDES[ide];
  const read = await readConfig(info.path(context));
  const format: ConfigFormat = info.format === 'toml' ? tomlFormat : jsonFormat;
  const backup = info.inProject
    ? join(stateDirectory(context.env), 'backups', `${createHash('sha256').update(read.path).digest('hex').slice(0, 12)}-${basename(read.path)}.bak`)
    : `${read.path}.mcp-tether.bak`;
  return { config: { format, text: read.text, key: info.serversKey, file: read.path, label: info.label }, read, typed: info.typed, backup };
}
