// --header "Name: value" parsing, with ${VAR} taken from the environment. Header values are treated as secrets.
import { readFileSync } from 'node:fs';
import { TetherError } from '../errors.js';
import { registerSecret } from '../log.js';

/**
 * ${NAME} replaced with the environment variable's value (as mcp-remote does). An unset variable is an error here,
 * where mcp-remote would send the literal "${NAME}": a header or secret that cannot work is better named at once.
 */
export function expandVariables(text: string, env: NodeJS.ProcessEnv, option = '--header'): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
    const value = env[name];
    if (value === undefined) {
      throw new TetherError('TETHER_INVALID_ARGUMENT', `${option} refers to \${${name}}, but the environment variable ${name} is not set.`, { hint: `Set ${name} in the "env" of your IDE's MCP server entry.` });
    }
    return value;
  });
}

export function parseHeader(raw: string, env: NodeJS.ProcessEnv, where = '--header'): [string, string] {
  const colon = raw.indexOf(':');
  const name = colon > 0 ? raw.slice(0, colon).trim() : '';
  if (!name || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
    // The text is not repeated: a malformed header is often a secret ("API_KEY=sk-...").
    throw new TetherError('TETHER_INVALID_ARGUMENT', `${where} is not of the form "Name: value".`, { hint: 'Example: --header "X-Api-Key: ${API_KEY}"' });
  }
  const value = expandVariables(raw.slice(colon + 1).trim(), env);
  registerSecret(value);
  return [name, value];
}

export function parseHeaders(raw: string[], env: NodeJS.ProcessEnv, where = (index: number): string => `--header number ${index + 1}`): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [index, entry] of raw.entries()) {
    const [name, value] = parseHeader(entry, env, where(index));
    headers[name] = value;
  }
  return headers;
}

/** --header-file: one "Name: value" per line; blank lines and lines starting with # are skipped. */
export function parseHeaderFile(path: string, env: NodeJS.ProcessEnv): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new TetherError('TETHER_UNREADABLE_FILE', `--header-file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, { hint: 'Pass the path of a readable file with one "Name: value" per line.' });
  }
  const lines = text.split(/\r?\n/).map((line, index) => ({ line: line.trim(), number: index + 1 })).filter(({ line }) => line && !line.startsWith('#'));
  return parseHeaders(
    lines.map(({ line }) => line),
    env,
    (index) => `--header-file ${path}, line ${lines[index]?.number ?? '?'},`,
  );
}
