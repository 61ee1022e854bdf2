// The last step of add and remove: show a planned change (--print, nothing written) or write it with its backup,
// and the lines that say so. Values that may be secrets (the entries' environments, header values, client secrets)
// are masked in what is shown.
import { redact, registerSecret } from '../log.js';
import { writeConfig } from '../ide/config-file.js';
import { unifiedDiff } from '../ide/diff.js';
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

/** Registers, for every server before and after the change, its environment's values and its arguments' secrets. */
function maskServers(target: Target, texts: string[]): void {
  const { format, key, file } = target.config;
  for (const text of texts) {
    for (const entry of Object.values(format.servers(text, key, file))) {
      const { env, args } = (entry ?? {}) as { env?: unknown; args?: unknown };
      if (typeof env === 'object' && env !== null) for (const value of Object.values(env)) if (typeof value === 'string') registerSecret(value);
      if (Array.isArray(args)) maskArgs(args);
    }
  }
}

/** The lines that show the change (a diff, secrets masked), or write it and say where. */
export async function showOrWrite(target: Target, after: string, print: boolean, done: string): Promise<string[]> {
  if (print) {
    maskServers(target, [target.read.text, after]);
    return [redact(unifiedDiff(target.read.path, target.read.text, after)), '(--print: nothing was written)'];
  }
  const backup = await writeConfig(target.read, after, target.backup);
  return [`${done} ${target.read.path}${backup === undefined ? ' (new file)' : `; the previous file is kept as ${backup}`}.`];
}
