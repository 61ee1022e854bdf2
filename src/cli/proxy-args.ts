// The proxy's own parser run over the arguments an IDE entry would give it, so that `add` refuses an entry the proxy
// would refuse at start-up (unknown option, malformed value, unreadable file) instead of writing it.
import { isAbsolute } from 'node:path';
import { Command } from 'commander';
import { TetherError } from '../errors.js';
import { fromCommander, proxyOptions, toConfig } from './program.js';

/**
 * `${VAR}` references are the IDE's environment's business at start-up: here any variable reads as a placeholder,
 * so that only the arguments' own shape is judged.
 */
function placeholderEnv(known: Record<string, string>): NodeJS.ProcessEnv {
  return new Proxy({ ...known }, { get: (target, key) => (typeof key === 'string' ? (target[key] ?? 'placeholder') : undefined) });
}

/** Options whose value names a file (`@file` for the JSON ones; `env:NAME` is not a file). */
const FILE_OPTIONS = ['--header-file', '--ca-file', '--client-private-key', '--client-assertion', '--jwt-bearer-assertion', '--enterprise-id-token'];
const JSON_OPTIONS = ['--static-oauth-client-info', '--static-oauth-client-metadata', '--enterprise-idp-client'];

/** The IDE starts the entry in a folder of its own choosing: a relative file path would name another file there. */
function relativeFile(proxyArgs: string[]): { option: string; path: string } | undefined {
  for (const [index, arg] of proxyArgs.entries()) {
    const [option = '', inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = inline ?? proxyArgs[index + 1];
    if (value === undefined) continue;
    const path = FILE_OPTIONS.includes(option) && !value.startsWith('env:') ? value : JSON_OPTIONS.includes(option) && value.startsWith('@') ? value.slice(1) : undefined;
    if (path !== undefined && !isAbsolute(path)) return { option, path };
  }
  return undefined;
}

/** Throws the proxy's own coded error for `proxyArgs` (server URL first), as it would at start-up. */
export async function checkProxyArgs(proxyArgs: string[], env: Record<string, string>): Promise<void> {
  const relative = relativeFile(proxyArgs);
  if (relative !== undefined) {
    throw new TetherError('TETHER_INVALID_ARGUMENT', `${relative.option} names "${relative.path}", a path relative to this folder; the IDE starts mcp-tether in another.`, { hint: 'Give the absolute path of the file.' });
  }
  const informational = proxyArgs.find((arg) => ['-h', '--help', '-v', '--version'].includes(arg));
  if (informational !== undefined) throw new TetherError('TETHER_INVALID_ARGUMENT', `${informational} is not an option an IDE entry can pass.`, { hint: 'Leave it out.' });
  const proxy = proxyOptions(new Command('mcp-tether').argument('<server-url>').argument('[callback-port]'))
    .configureOutput({ outputError: () => undefined })
    .exitOverride((error) => {
      throw fromCommander(error, 'mcp-tether');
    })
    .action((serverUrl: string, callbackPort: string | undefined, options: Parameters<typeof toConfig>[2]) => {
      toConfig(serverUrl, callbackPort, options, placeholderEnv(env));
    });
  await proxy.parseAsync(proxyArgs, { from: 'user' });
}

/** Why the proxy would refuse these arguments, or undefined. */
export async function proxyArgsRefusal(proxyArgs: string[], env: Record<string, string>): Promise<string | undefined> {
  try {
    await checkProxyArgs(proxyArgs, env);
    return undefined;
  } catch (error) {
    return error instanceof TetherError ? `${error.message} [${error.code}]` : String(error);
  }
}
