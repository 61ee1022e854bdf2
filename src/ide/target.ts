// An IDE's configuration, ready to plan a change on: its file found by the IDE table, read, and paired with its format.
import { homedir } from 'node:os';
import { readConfig, type ConfigText } from './config-file.js';
import type { ConfigFormat } from './config-format.js';
import { IDES, type IdeId, type PathContext } from './ides.js';
import { jsonFormat } from './json-format.js';
import type { Config } from './plan.js';
import { tomlFormat } from './toml-format.js';

export interface Target {
  config: Config;
  read: ConfigText;
  /** `"type": "stdio"` in new entries. */
  typed: boolean;
}

/** Where the IDE's files are: this machine, this user, this folder. */
export function pathContext(env: NodeJS.ProcessEnv): PathContext {
  return { platform: process.platform, env, home: homedir(), cwd: process.cwd() };
}

export async function openTarget(ide: IdeId, context: PathContext): Promise<Target> {
  const info = IDES[ide];
  const read = await readConfig(info.path(context));
  const format: ConfigFormat = info.format === 'toml' ? tomlFormat : jsonFormat;
  return { config: { format, text: read.text, key: info.serversKey, file: read.path, label: info.label }, read, typed: info.typed };
}
