// The last step of add and remove: show a planned change (--print, nothing written) or write it with its backup,
// and the lines that say so. Values that may be secrets (the entries' environments, header values, client secrets)
// are masked in what is shown.
import { redact, registerSecret } from '../log.js';
import { writeConfig } from '../ide/config-file.js';
import { unifiedDiff } from '../ide/diff.js';
import { envOf, isRecord } from '../ide/entry.js';
import type { Target } from '../ide/target.js';

/** Registers what the proxy's arguments may carry as secrets: header values and JSON clients' secrets. */
export function maskArgs(args: readonly unknown[]): void {
  args.forEach((arg, index) => {
    const option = args[index - 1];
    if (typeof arg !== 'string') return;
    if (option === '--header') registerSecret(arg.slice(arg.indexOf(':') + 1).trim());
    if (option === '--static-oauth-client-info' || option === '--enterprise-idp-client') {
      try {
        const secret = (JSON.parse(arg) as { client_secret?: unknown }).client_secret;
        if (typeof secret === 'string') registerSecret(secret);
      } catch {
        // @file, or not JSON: nothing inline to mask
      }
    }
  });
}

/**
 * The environments' variables (name and value) of every server before and after the change; registers the secrets
 * their arguments carry. Env values are masked where they stand after their name only, so that a short one ("true",
 * "npx") does not mask the same word elsewhere in the diff.
 */
function envPairs(target: Target, texts: string[]): Array<[string, string]> {
  const { format, key, file } = target.config;
  const pairs: Array<[string, string]> = [];
  for (const text of texts) {
    for (const entry of Object.values(format.servers(text, key, file))) {
      for (const [name, value] of Object.entries(envOf(entry))) if (value !== '') pairs.push([name, value]);
      const args = isRecord(entry) ? entry.args : undefined;
      if (Array.isArray(args)) maskArgs(args);
    }
  }
  return pairs;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `diff` with each variable's value shown as "[redacted]" where it follows its name (JSON `"NAME": "v"`, TOML `NAME = "v"`). */
function maskEnv(diff: string, pairs: Array<[string, string]>): string {
  let masked = diff;
  for (const [name, value] of pairs) {
    const names = `(?:${escape(JSON.stringify(name))}|${escape(name)}|'${escape(name)}')`;
    const values = `(?:${escape(JSON.stringify(value))}|'${escape(value)}')`;
    masked = masked.replace(new RegExp(`(${names}\\s*[:=]\\s*)${values}`, 'g'), '$1"[redacted]"');
  }
  return masked;
}

/** The lines that show the change (a diff, secrets masked), or write it and say where. */
export async function showOrWrite(target: Target, after: string, print: boolean, done: string): Promise<string[]> {
  if (print) {
    const pairs = envPairs(target, [target.read.text, after]);
    return [redact(maskEnv(unifiedDiff(target.read.path, target.read.text, after), pairs)), '(--print: nothing was written)'];
  }
  const backup = await writeConfig(target.read, after, target.backup);
  return [`${done} ${target.read.path}${backup === undefined ? ' (new file)' : `; the previous file is kept as ${backup}`}.`];
}
