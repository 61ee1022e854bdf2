// Codex's config.toml. A new entry is appended as its own [mcp_servers.<name>] table (and [mcp_servers.<name>.env]),
// the way `codex mcp add` writes it; replacing and removing an entry go through @decimalturn/toml-patch, which changes
// only the values that differ and keeps comments and formatting. (toml-patch alone would add a new entry as a dotted
// inline table at the top of the file when [mcp_servers] is only implied by its sub-tables: valid, but not what a
// person reading the file expects.) Every result is parsed again by the caller's check.
import { parse, patch } from '@decimalturn/toml-patch';
import { invalidConfig, lineEnding, type ConfigFormat } from './config-format.js';
import { isRecord, type ServerEntry } from './entry.js';

type Table = Record<string, unknown>;

/** The table under `key` (a copy to edit), or an empty one. */
const tableAt = (document: Table, key: string): Table => {
  const table = document[key];
  return isRecord(table) ? { ...table } : {};
};

function parsed(text: string, file: string): Table {
  try {
    return parse(text) as Table;
  } catch (error) {
    // The parser's message quotes the offending line, which may hold a secret: only its position is said.
    const { line, column } = error as { line?: unknown; column?: unknown };
    throw invalidConfig(file, 'TOML', typeof line === 'number' ? line : undefined, typeof column === 'number' ? column + 1 : undefined);
  }
}

function isValid(text: string): boolean {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A key as TOML writes it: bare where it can be, a basic string otherwise (JSON's escapes are TOML's). */
const tomlKey = (key: string): string => (/^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key));
const tomlString = (value: unknown): string => JSON.stringify(String(value));

/** The entry as the tables `codex mcp add` writes: command, args, then [...env]. */
function entryTables(key: string, name: string, entry: ServerEntry, eol: string): string {
  const header = `${key}.${tomlKey(name)}`;
  const lines = [`[${header}]`];
  for (const [field, value] of Object.entries(entry)) {
    if (field === 'env') continue;
    lines.push(`${tomlKey(field)} = ${Array.isArray(value) ? `[${value.map(tomlString).join(', ')}]` : tomlString(value)}`);
  }
  if (typeof entry.env === 'object' && entry.env !== null) {
    lines.push('', `[${header}.env]`, ...Object.entries(entry.env).map(([variable, value]) => `${tomlKey(variable)} = ${tomlString(value)}`));
  }
  return lines.join(eol) + eol;
}

export const tomlFormat: ConfigFormat = {
  servers(text, key, file) {
    const servers = parsed(text, file)[key];
    if (servers === undefined) return {};
    if (!isRecord(servers)) throw invalidConfig(file, `as a Codex configuration: "${key}" is not a table`);
    return servers;
  },
  setEntry(text, key, name, entry) {
    const document = parsed(text, 'the configuration');
    const servers = tableAt(document, key);
    if (entry !== undefined && servers[name] === undefined) {
      const eol = lineEnding(text);
      const separator = text === '' ? '' : text.endsWith('\n') ? eol : `${eol}${eol}`;
      const appended = `${text}${separator}${entryTables(key, name, entry, eol)}`;
      // Tables cannot extend an inline `mcp_servers = { ... }`: there, toml-patch adds the entry inside it.
      if (isValid(appended)) return appended;
    }
    if (entry === undefined) delete servers[name];
    else servers[name] = entry;
    // Without servers, the table goes too: an empty [mcp_servers] means nothing to Codex.
    const { [key]: _servers, ...others } = document;
    const patched = patch(text, Object.keys(servers).length === 0 ? others : { ...others, [key]: servers });
    return patched.trim() === '' ? '' : patched;
  },
  setCommand(text, key, name, command, args) {
    const document = parsed(text, 'the configuration');
    const servers = tableAt(document, key);
    const existing = servers[name];
    servers[name] = { ...(isRecord(existing) ? existing : {}), command, args };
    return patch(text, { ...document, [key]: servers });
  },
};
