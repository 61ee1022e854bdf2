// The stdio entry `add` writes: the command that starts mcp-tether (through npx, or this very installation), the
// proxy's arguments verbatim, and an optional environment; and whether an existing entry runs mcp-tether.

/** A server entry as the IDEs read it (JSON object or TOML table); other keys (disabled, autoApprove...) are the user's. */
export interface ServerEntry {
  type?: string;
  command?: unknown;
  args?: unknown;
  env?: unknown;
  [key: string]: unknown;
}

/** What starts mcp-tether, before its own arguments. */
export interface Runner {
  command: string;
  args: string[];
}

/**
 * `npx -y mcp-tether`. On Windows npx is a batch file (npx.cmd), which IDEs that spawn without a shell (Claude Desktop,
 * Claude Code, Cursor: "spawn npx ENOENT") cannot start; `cmd /c npx` works in every IDE there, so it is written
 * whenever the target platform is Windows.
 */
export function npxRunner(platform: NodeJS.Platform): Runner {
  const npx = ['npx', '-y', 'mcp-tether'];
  return platform === 'win32' ? { command: 'cmd', args: ['/c', ...npx] } : { command: npx[0] ?? 'npx', args: npx.slice(1) };
}

/**
 * Why `cmd /c` would not pass the proxy's arguments on as written, if it would not: Node quotes an argument only for
 * a space, a tab or a quote, and cmd.exe (then npx.cmd's `%*`) still reads & | < > ^ and %NAME% in it. Names the
 * argument by its option (or as the server URL), never by its value, which may be a secret.
 */
export function cmdRefusal(runner: Runner, proxyArgs: string[]): string | undefined {
  if (runner.command !== 'cmd') return undefined;
  const at = proxyArgs.findIndex((arg) => /[&|<>^%]/.test(arg));
  if (at === -1) return undefined;
  const option = proxyArgs[at - 1];
  const which = at === 0 ? 'the server URL' : option?.startsWith('--') ? `the value of ${option}` : `argument ${at + 1}`;
  const char = /[&|<>^%]/.exec(proxyArgs[at] ?? '')?.[0] ?? '';
  return `on Windows the entry runs through cmd /c, which would take the "${char}" in ${which} as its own`;
}

/** This installation, by absolute paths (`--command local`): node and mcp-tether's own script, no npx, no registry. */
export function localRunner(nodePath: string, script: string): Runner {
  return { command: nodePath, args: [script] };
}

export interface EntrySpec {
  runner: Runner;
  /** The server URL, the callback port and the proxy's options, verbatim. */
  proxyArgs: string[];
  env: Record<string, string>;
  /** `"type": "stdio"` first (VS Code, Claude Code). */
  typed: boolean;
}

export function buildEntry(spec: EntrySpec): ServerEntry {
  return {
    ...(spec.typed ? { type: 'stdio' } : {}),
    command: spec.runner.command,
    args: [...spec.runner.args, ...spec.proxyArgs],
    ...(Object.keys(spec.env).length > 0 ? { env: spec.env } : {}),
  };
}

/** A JSON object or TOML table (not a list, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An entry's `env` as the variables it sets (values that are not strings are not variables the IDE passes). */
export function envOf(entry: unknown): Record<string, string> {
  const env = isRecord(entry) ? entry.env : undefined;
  return isRecord(env) ? Object.fromEntries(Object.entries(env).filter((pair): pair is [string, string] => typeof pair[1] === 'string')) : {};
}

/** Deep equality of JSON-like values (key order aside). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameValue(a[key], b[key]));
  }
  return a === b;
}

/** The existing entry already starts what `wanted` describes (its other keys, such as autoApprove, are the user's). */
export function sameEntry(existing: unknown, wanted: ServerEntry): boolean {
  if (!isRecord(existing)) return false;
  const entry: ServerEntry = existing;
  const env = (value: unknown): unknown => (value === undefined ? {} : value);
  return (
    (wanted.type === undefined || entry.type === undefined || entry.type === wanted.type) &&
    entry.command === wanted.command &&
    sameValue(entry.args, wanted.args) &&
    sameValue(env(entry.env), env(wanted.env))
  );
}

const isTetherWord = (word: string): boolean => /^mcp-tether(@[^/\s]+)?$/.test(word) || /(^|[\\/])mcp-tether(\.js|\.cmd|\.exe)?$/i.test(word);

/** Whether an entry starts mcp-tether (by npx, a global install, or a path to its script). */
export function runsTether(entry: unknown): boolean {
  if (!isRecord(entry)) return false;
  const { command, args } = entry;
  const words = [command, ...(Array.isArray(args) ? args : [])].filter((word): word is string => typeof word === 'string');
  // The package or script is named before the server URL; later words are the proxy's own arguments.
  const url = words.findIndex((word) => /^https?:\/\//i.test(word));
  const beforeUrl = url === -1 ? words : words.slice(0, url);
  return beforeUrl.some(isTetherWord);
}
