// Non-secret state per MCP server (discovery results, the client registration without its secret), kept so that a
// restart reaches its stored credentials without any network round trip.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readdir, unlink } from 'node:fs/promises';
import { readJsonFileSync, writeFileAtomic } from './atomic-file.js';
import type { StoreKind } from './secret-store.js';

export interface ClientRegistration {
  client_id: string;
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  /** How the client came to be: given on the command line, a client ID metadata document, or registered (RFC 7591). */
  source: 'static' | 'metadata-document' | 'dynamic';
  /** Whether a client secret is kept in the credential store. */
  has_secret: boolean;
  /** RFC 7592 client configuration endpoint of a dynamic registration, to ask whether the server still knows it. */
  registration_client_uri?: string;
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
  store?: StoreKind;
  updated_at: string;
}

/** A short, file-name-safe key for a server URL. */
export function serverKey(serverUrl: string): string {
  return createHash('sha256').update(serverUrl).digest('hex').slice(0, 16);
}

export function serverStatePath(stateDir: string, serverUrl: string): string {
  return join(stateDir, 'servers', `${serverKey(serverUrl)}.json`);
}

export function readServerState(stateDir: string, serverUrl: string): ServerState | undefined {
  const state = readJsonFileSync<ServerState>(serverStatePath(stateDir, serverUrl));
  return state?.server_url === serverUrl ? state : undefined;
}

export async function writeServerState(stateDir: string, state: ServerState): Promise<void> {
  await writeFileAtomic(serverStatePath(stateDir, state.server_url), JSON.stringify(state, null, 2));
}

/** Every server mcp-tether holds state for (for status and logout --all). */
export async function listServerStates(stateDir: string): Promise<ServerState[]> {
  let names: string[];
  try {
    names = await readdir(join(stateDir, 'servers'));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.json') && !name.endsWith('.server.json')) // not the bridge's handshake caches
    .map((name) => readJsonFileSync<ServerState>(join(stateDir, 'servers', name)))
    .filter((state): state is ServerState => state !== undefined && typeof state.server_url === 'string');
}

/** Deletes the state file of a server (its sign-in record's non-secret half). */
export async function deleteServerState(stateDir: string, serverUrl: string): Promise<void> {
  await unlink(serverStatePath(stateDir, serverUrl)).catch(() => undefined);
}
