// Reading what mcp-tether holds for a server, for the login, logout and status commands.
import type { Logger } from '../log.js';
import { openStore } from '../store/open-store.js';
import { accountName, parseRecord, type SecretRecord, type SecretStore } from '../store/secret-store.js';
import type { ServerState } from '../store/server-state.js';

/** The store a server's secrets were saved to, as its state file records. */
export function storeOf(state: ServerState, stateDir: string, log: Logger): SecretStore {
  return openStore(state.store === 'file' ? 'file' : 'auto', stateDir, log);
}

export function accountOf(state: ServerState): string {
  return accountName(state.server_url, state.issuer, state.client.client_id);
}

export async function secretsOf(state: ServerState, store: SecretStore): Promise<SecretRecord | undefined> {
  return parseRecord(await store.get(accountOf(state)));
}
