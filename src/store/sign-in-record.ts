// The stored sign-in of one server, and its one owner: the non-secret state file (server-state.ts) names the
// credential-store entry that holds the secrets (tokens, a client secret). This module names that entry and reads,
// writes and deletes the two halves together.
import { readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFileSync, writeFileAtomic } from './atomic-file.js';
import { openStore } from './open-store.js';
import { parseRecord, type SecretRecord, type SecretStore, type StoreKind } from './secret-store.js';
import { deleteServerState, readServerState, serverKey, writeServerState, type ServerState } from './server-state.js';
import type { Logger } from '../log.js';

export interface StoredSignIn {
  state?: ServerState;
  /**
   * Read from the credential store; undefined when there is no entry. Rejects, coded (TETHER_KEYCHAIN_LOCKED, ...),
   * when the store cannot be read: that is never "not signed in".
   */
  secrets: Promise<SecretRecord | undefined>;
}

/**
 * The credential store entry of a sign-in. Different servers, authorization servers and clients never share one;
 * it reads well in the keychain's own UI.
 */
export function entryName(state: Pick<ServerState, 'server_url' | 'issuer' | 'client'>): string {
  return `${state.server_url} via ${state.issuer} as ${state.client.client_id}`;
}

/**
 * Starts reading what an earlier run stored, without any network: the state file names the credential store
 * entry. Called first thing at start-up, so the keychain read overlaps module loading. A state for another static
 * client than the one configured is not this sign-in.
 */
export function loadSignIn(stateDir: string, serverUrl: string, store: SecretStore, staticClientId?: string): StoredSignIn {
  const state = readServerState(stateDir, serverUrl);
  if (!state || (staticClientId !== undefined && state.client.client_id !== staticClientId)) return { secrets: Promise.resolve(undefined) };
  const secrets = readSecrets(state, store);
  secrets.catch(() => undefined); // whoever awaits it sees the error
  return { state, secrets };
}

export async function readSecrets(state: ServerState, store: SecretStore): Promise<SecretRecord | undefined> {
  return parseRecord(await store.get(entryName(state)));
}

/**
 * Secrets first, then the state that names them: a crash in between leaves the old state pointing at old secrets.
 * The state (the registration, the discovery results) is written even when the store refused the secrets, and the
 * refusal is thrown after.
 */
export async function saveSignIn(stateDir: string, store: SecretStore, state: ServerState, secrets: SecretRecord): Promise<void> {
  let refused: { error: unknown } | undefined;
  try {
    await store.set(entryName(state), JSON.stringify(secrets));
  } catch (error) {
    refused = { error };
  }
  // --token-store memory promises that nothing outlives the process.
  if (store.kind !== 'memory') await writeServerState(stateDir, { ...state, store: store.kind, updated_at: new Date().toISOString() });
  if (refused) throw refused.error;
}

/** Deletes the secrets of a sign-in (an old client's, after a new registration). */
export async function deleteSecrets(store: SecretStore, state: ServerState): Promise<boolean> {
  return store.delete(entryName(state)).catch(() => false);
}

/**
 * Deletes both halves of a server's sign-in, secrets first: when the store cannot be reached, its error is thrown
 * and the state that names the entry is kept, so that nothing is orphaned. True when an entry was deleted.
 */
export async function forgetSignIn(stateDir: string, store: SecretStore, state: ServerState): Promise<boolean> {
  const deleted = await store.delete(entryName(state));
  await deleteServerState(stateDir, state.server_url);
  return deleted;
}

/** Drops a sign-in the server no longer accepts: the secrets where the store can delete them, the state always. */
export async function dropSignIn(stateDir: string, store: SecretStore, state: ServerState): Promise<void> {
  await deleteSecrets(store, state);
  await deleteServerState(stateDir, state.server_url);
}

/** The store a server's secrets were saved to, as its state file records (for status and logout). */
export function storeFor(state: ServerState, stateDir: string, log: Logger): SecretStore {
  return openStore(state.store === 'file' ? 'file' : 'auto', stateDir, log);
}

// --- The sign-in at a company's identity provider (enterprise-managed authorization), shared by every server ---

/** What the state directory says of an identity provider sign-in: the entry that holds it, and in which store. */
interface IdentityProviderState {
  entry: string;
  store: StoreKind;
}

function identityProvidersDir(stateDir: string): string {
  return join(stateDir, 'identity-providers');
}

/** Keeps the identity provider sign-in in `store` under `entry`, and notes where (so that `logout --all` finds it). */
export async function saveIdentityProviderSignIn(stateDir: string, store: SecretStore, entry: string, secrets: SecretRecord): Promise<void> {
  await store.set(entry, JSON.stringify(secrets));
  if (store.kind === 'memory') return;
  const note: IdentityProviderState = { entry, store: store.kind };
  await writeFileAtomic(join(identityProvidersDir(stateDir), `${serverKey(entry)}.json`), JSON.stringify(note, null, 2));
}

export async function readIdentityProviderSignIn(store: SecretStore, entry: string): Promise<SecretRecord | undefined> {
  return parseRecord(await store.get(entry));
}

/** `logout --all`: every identity provider sign-in, secrets first; a note whose store cannot delete is kept. */
export async function forgetIdentityProviderSignIns(stateDir: string, log: Logger): Promise<number> {
  const dir = identityProvidersDir(stateDir);
  let forgotten = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const note = readJsonFileSync<IdentityProviderState>(join(dir, name));
    if (note?.entry) {
      await openStore(note.store === 'file' ? 'file' : 'auto', stateDir, log).delete(note.entry);
      forgotten += 1;
    }
    await unlink(join(dir, name)).catch(() => undefined);
  }
  await rmdir(dir).catch(() => undefined);
  return forgotten;
}
