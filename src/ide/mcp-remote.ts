// Recognises an entry that runs mcp-remote (npx, bunx, pnpm dlx, a global install, behind `cmd /c`) and returns the
// arguments it gives mcp-remote; anything else that merely mentions mcp-remote is named with the reason it is left alone.
import { isRecord } from './entry.js';

export type McpRemoteMatch = { runs: true; proxyArgs: string[] } | { runs: false; reason: string };

/** mcp-remote as a package spec (`mcp-remote`, `mcp-remote@0.1.2`) or a path to its binary. */
const isPackage = (word: string): boolean => /^mcp-remote(@[^\s/]+)?$/.test(word);
const isBinary = (word: string): boolean => /(^|[\\/])mcp-remote(\.cmd|\.exe|\.js)?$/i.test(word);
const base = (word: string): string => (word.split(/[\\/]/).pop() ?? word).toLowerCase().replace(/\.(cmd|exe)$/, '');

/** After `npx`/`bunx`/`pnpm dlx`: the runner's options, then the package (or `-p pkg` and the binary), then its arguments. */
function afterRunner(words: string[]): McpRemoteMatch | undefined {
  let packageOption: string | undefined;
  let index = 0;
  for (; index < words.length; index++) {
    const word = words[index] ?? '';
    if (word === '-y' || word === '--yes' || word === '--quiet' || word === '-q' || word === '--silent' || word === '--bun') continue;
    if (word === '-p' || word === '--package') {
      packageOption = words[++index];
      continue;
    }
    if (word.startsWith('--package=')) {
      packageOption = word.slice('--package='.length);
      continue;
    }
    if (word === '--') continue;
    break;
  }
  const program = words[index];
  if (program === undefined) return undefined;
  if (packageOption !== undefined) {
    if (!isPackage(packageOption)) return undefined;
    if (program !== 'mcp-remote') return { runs: false, reason: `installs mcp-remote but runs "${program}"` };
  } else if (!isPackage(program)) return undefined;
  return { runs: true, proxyArgs: words.slice(index + 1) };
}

export function matchMcpRemote(entry: unknown): McpRemoteMatch {
  if (!isRecord(entry)) return { runs: false, reason: 'not a server entry' };
  const { command, args = [] } = entry;
  if (typeof command !== 'string') return { runs: false, reason: 'no command (a remote URL entry)' };
  if (!Array.isArray(args) || !args.every((arg): arg is string => typeof arg === 'string')) return { runs: false, reason: '"args" is not a list of strings' };
  let words = [command, ...args];
  // cmd /c (or /C, cmd.exe): the Windows wrapper for npx
  if (base(words[0] ?? '') === 'cmd' && /^\/c$/i.test(words[1] ?? '')) words = words.slice(2);
  const [program = '', ...rest] = words;
  let match: McpRemoteMatch | undefined;
  if (['npx', 'bunx', 'pnpx'].includes(base(program))) match = afterRunner(rest);
  else if (['pnpm', 'yarn', 'bun'].includes(base(program)) && ['dlx', 'x'].includes(rest[0] ?? '')) match = afterRunner(rest.slice(1));
  else if (isBinary(program)) match = { runs: true, proxyArgs: rest };
  if (match === undefined) return { runs: false, reason: `runs "${base(program)}", not mcp-remote` };
  if (match.runs && !/^https?:\/\//i.test(match.proxyArgs[0] ?? '')) return { runs: false, reason: 'runs mcp-remote without a server URL as its first argument' };
  return match;
}

/** Whether an entry mentions mcp-remote anywhere (worth naming when it is skipped). */
export function mentionsMcpRemote(entry: unknown): boolean {
  return JSON.stringify(entry ?? null).includes('mcp-remote');
}
