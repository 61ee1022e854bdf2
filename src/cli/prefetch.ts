// Start-up shortcut: before the rest of mcp-tether loads, start reading the stored credentials of the server named
// on the command line, so the keychain helper process runs while modules load rather than after.
import { KeychainStore } from '../store/keychain-store.js';
import { stateDirectory } from '../store/paths.js';
import { readServerState } from '../store/server-state.js';
import { entryName } from '../store/sign-in-record.js';

function optionValue(argv: string[], name: string): string | undefined {
  const index = argv.findIndex((arg) => arg === name || arg.startsWith(`${name}=`));
  if (index === -1) return undefined;
  const arg = argv[index] as string;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
}

export function prefetchCredentials(argv: string[], env: NodeJS.ProcessEnv): void {
  const target = argv[2];
  if (!target || !URL.canParse(target)) return; // a subcommand, an option or a mistake: nothing to prefetch
  const store = optionValue(argv, '--token-store');
  if (store !== undefined && store !== 'auto' && store !== 'keychain') return;
  const state = readServerState(stateDirectory(env), new URL(target).href);
  if (!state || state.store === 'file') return;
  new KeychainStore().prefetch(entryName(state));
}
