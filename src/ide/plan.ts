// What `add`, `add --from-mcp-remote` and `remove` change in a configuration text, decided before anything is
// written: refusals (a different entry of the same name, an entry that is not mcp-tether's), no-ops, and the new text,
// read back and checked to hold exactly the intended servers.
import { TetherError } from '../errors.js';
import type { ConfigFormat } from './config-format.js';
import { cmdRefusal, envOf, isRecord, runsTether, sameEntry, sameValue, type Runner, type ServerEntry } from './entry.js';
import { matchMcpRemote, mentionsMcpRemote } from './mcp-remote.js';

/** One configuration file of one IDE, as read. */
export interface Config {
  format: ConfigFormat;
  text: string;
  /** mcpServers, servers or mcp_servers. */
  key: string;
  file: string;
  /** What the user is told, e.g. "Cursor". */
  label: string;
}

/** The keys of an entry that say what it starts; the others are the user's. */
const STARTING_KEYS = ['type', 'command', 'args', 'env'];

/** The edited text holds exactly `expected` as its servers, or nothing is written. */
function checked(config: Config, after: string, expected: Record<string, unknown>): string {
  let servers: Record<string, unknown>;
  try {
    servers = config.format.servers(after, config.key, config.file);
  } catch (error) {
    throw new TetherError('TETHER_UNEXPECTED', `The edit of ${config.file} did not read back as valid; nothing was written.`, { cause: error });
  }
  if (!sameValue(servers, expected)) throw new TetherError('TETHER_UNEXPECTED', `The edit of ${config.file} did not read back as intended; nothing was written.`);
  return after;
}

export type AddOutcome = { kind: 'unchanged' } | { kind: 'added' | 'replaced'; after: string };

export function planAdd(config: Config, name: string, entry: ServerEntry, force: boolean): AddOutcome {
  const servers = config.format.servers(config.text, config.key, config.file);
  const existing = servers[name];
  if (existing !== undefined && sameEntry(existing, entry)) return { kind: 'unchanged' };
  if (existing !== undefined && !force) {
    throw new TetherError('TETHER_CONFIG_CONFLICT', `${config.label} already has a server named "${name}" that starts something else (${config.file}).`, {
      hint: `Choose another name, or pass --force to replace it (the file is backed up first); --print shows the change.`,
    });
  }
  // An earlier mcp-tether entry keeps the keys the user gave it in the IDE (disabled, autoApprove, timeouts): only
  // what starts it is replaced.
  const kept = runsTether(existing) && isRecord(existing) ? Object.fromEntries(Object.entries(existing).filter(([key]) => !STARTING_KEYS.includes(key))) : {};
  const value = { ...kept, ...entry };
  const after = config.format.setEntry(config.text, config.key, name, value);
  return { kind: existing === undefined ? 'added' : 'replaced', after: checked(config, after, { ...servers, [name]: value }) };
}

export type RemoveOutcome = { kind: 'absent' } | { kind: 'removed'; after: string };

export function planRemove(config: Config, name: string, force: boolean): RemoveOutcome {
  const servers = config.format.servers(config.text, config.key, config.file);
  if (servers[name] === undefined) return { kind: 'absent' };
  if (!runsTether(servers[name]) && !force) {
    throw new TetherError('TETHER_CONFIG_CONFLICT', `The server "${name}" in ${config.file} does not run mcp-tether; it was left alone.`, {
      hint: 'Remove it in the IDE, or pass --force to remove it anyway (the file is backed up first).',
    });
  }
  const rest = { ...servers };
  delete rest[name];
  return { kind: 'removed', after: checked(config, config.format.setEntry(config.text, config.key, name, undefined), rest) };
}

export interface Migration {
  rewritten: Array<{ name: string; args: string[] }>;
  skipped: Array<{ name: string; reason: string }>;
  /** Absent when nothing is rewritten. */
  after?: string;
}

/**
 * Every entry that runs mcp-remote gets the command and arguments that run mcp-tether with the same arguments; its
 * environment and every other key stay. `refusal` says why mcp-tether would refuse those arguments, if it would.
 */
export async function planMigration(config: Config, runner: Runner, refusal: (proxyArgs: string[], env: Record<string, string>) => Promise<string | undefined>): Promise<Migration> {
  const servers = config.format.servers(config.text, config.key, config.file);
  const migration: Migration = { rewritten: [], skipped: [] };
  let text = config.text;
  const expected = { ...servers };
  for (const [name, entry] of Object.entries(servers)) {
    const match = matchMcpRemote(entry);
    if (!match.runs) {
      if (mentionsMcpRemote(entry)) migration.skipped.push({ name, reason: match.reason });
      continue;
    }
    const reason = cmdRefusal(runner, match.proxyArgs) ?? (await refusal(match.proxyArgs, envOf(entry)));
    if (reason !== undefined) {
      migration.skipped.push({ name, reason: `mcp-tether would refuse its arguments: ${reason}` });
      continue;
    }
    const args = [...runner.args, ...match.proxyArgs];
    text = config.format.setCommand(text, config.key, name, runner.command, args);
    expected[name] = { ...(isRecord(entry) ? entry : {}), command: runner.command, args };
    migration.rewritten.push({ name, args: match.proxyArgs });
  }
  if (migration.rewritten.length > 0) migration.after = checked(config, text, expected);
  return migration;
}
