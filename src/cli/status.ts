// `mcp-tether status [--json]`: what mcp-tether holds per server. Never prints a secret.
import type { Logger } from '../log.js';
import { stateDirectory } from '../store/paths.js';
import { listServerStates } from '../store/server-state.js';
import { readSecrets, storeFor } from '../store/sign-in-record.js';

export interface ServerStatus {
  server: string;
  authorization_server: string;
  client_id: string;
  client_source: 'static' | 'metadata-document' | 'dynamic';
  scope: string | null;
  signed_in: boolean;
  access_token_expires_at: string | null;
  refresh_token: boolean;
  store: string;
  updated_at: string;
}

export async function collectStatus(env: NodeJS.ProcessEnv, log: Logger): Promise<ServerStatus[]> {
  const stateDir = stateDirectory(env);
  const statuses: ServerStatus[] = [];
  for (const state of await listServerStates(stateDir)) {
    const store = storeFor(state, stateDir, log);
    const tokens = (await readSecrets(state, store).catch(() => undefined))?.tokens;
    statuses.push({
      server: state.server_url,
      authorization_server: state.issuer,
      client_id: state.client.client_id,
      client_source: state.client.source,
      scope: tokens?.scope ?? state.scope ?? null,
      signed_in: tokens !== undefined,
      access_token_expires_at: tokens?.expires_at === undefined ? null : new Date(tokens.expires_at).toISOString(),
      refresh_token: tokens?.refresh_token !== undefined,
      store: store.location,
      updated_at: state.updated_at,
    });
  }
  return statuses;
}

export function formatStatus(statuses: ServerStatus[]): string {
  if (statuses.length === 0) return 'mcp-tether holds no credentials.\n';
  return statuses
    .map((s) =>
      [
        s.server,
        `  authorization server: ${s.authorization_server}`,
        `  client:               ${s.client_id} (${{ static: 'pre-registered', 'metadata-document': 'client ID metadata document', dynamic: 'registered by mcp-tether' }[s.client_source]})`,
        `  scopes:               ${s.scope ?? '(none requested)'}`,
        `  signed in:            ${s.signed_in ? 'yes' : 'no'}${s.access_token_expires_at ? `, access token expires ${s.access_token_expires_at}` : ''}${s.refresh_token ? ', refreshable' : ''}`,
        `  stored in:            ${s.store}`,
      ].join('\n'),
    )
    .join('\n\n')
    .concat('\n');
}
