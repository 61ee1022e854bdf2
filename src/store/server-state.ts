// Non-secret state per MCP server (discovery results, the client registration without its secret), kept so that a
// restart reaches its stored credentials without any network round trip.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readJsonFileSync, writeFileAtomic } from './atomic-file.js';

export interface ClientRegistration {
  client_id: string;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  /** How the client came to be: given on the command line, or registered by mcp-tether (RFC 7591). */
  source: 'static' | 'dynamic';
  /** Whether a client secret is kept in the credential store. */
  has_secret: boolean;
}

export interface ServerState {
  server_url: string;
  resource: string;
  resource_metadata_url?: string;
  issuer: string;
  /** The authorization server's metadata document as fetched (RFC 8414 / OIDC). */
  authorization_server: Record<string, unknown>;
  client: ClientRegistration;
  /** Scope requested at the last sign-in, if any. */
  scope?: string;
  /** Which credential store holds the secrets. */
  store?: string;
  updated_at: string;
}

export function serverStatePath(stateDir: string, serverUrl: string): string {
  const digest = createHash('sha256').update(serverUrl).digest('hex').slice(0, 16);
  return join(stateDir, 'servers', `${digest}.json`);
}

export function readServerState(stateDir: string, serverUrl: string): ServerState | undefined {
  const state = readJsonFileSync<ServerState>(serverStatePath(stateDir, serverUrl));
  return state?.server_url === serverUrl ? state : undefined;
}

export async function writeServerState(stateDir: string, state: ServerState): Promise<void> {
  await writeFileAtomic(serverStatePath(stateDir, state.server_url), JSON.stringify(state, null, 2));
}
