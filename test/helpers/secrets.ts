// Test-side views of what mcp-tether stored: the keychain entry (read straight from the Secret Service) and
// every file under a HOME, to prove secrets live only in the credential store.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Entry } from '@napi-rs/keyring';
import { SERVICE, type SecretRecord } from '../../src/store/secret-store.js';
import { readServerState } from '../../src/store/server-state.js';
import { entryName } from '../../src/store/sign-in-record.js';

export function stateDirOf(home: string): string {
  return join(home, '.local', 'state', 'mcp-tether');
}

/** The record mcp-tether keeps in the OS keychain for this server, read with the keychain library itself. */
export function keychainRecord(home: string, serverUrl: string): SecretRecord | undefined {
  const state = readServerState(stateDirOf(home), new URL(serverUrl).href);
  if (!state) return undefined;
  const entry = new Entry(SERVICE, entryName(state), { linux: { store: 'secret-service' } });
  const raw = onTheBus(() => entry.getPassword());
  return raw ? (JSON.parse(raw) as SecretRecord) : undefined;
}

/**
 * Runs a test-side keychain call, trying again for up to 5 s while the D-Bus peer is gone: the suite's watchdog
 * (test/with-keyring.sh) puts the test keyring daemon back within about a second when GNOME Keyring aborts under load,
 * and a read that lands in that second is not what a test is about.
 */
function onTheBus<T>(call: () => T): T {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      return call();
    } catch (error) {
      const busGone = error instanceof Error && /disconnected from message bus|ServiceUnknown|NoReply|was not provided by any \.service/i.test(`${error.message} ${String(error.cause)}`);
      if (!busGone || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

export function allFiles(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const info = statSync(path);
    if (info.isDirectory()) files.push(...allFiles(path));
    else if (info.isFile()) files.push(path);
  }
  return files;
}

/** Files under `dir` whose bytes contain any of the secrets. */
export function filesContaining(dir: string, secrets: string[]): string[] {
  return allFiles(dir).filter((file) => {
    const content = readFileSync(file, 'latin1');
    return secrets.some((secret) => content.includes(secret));
  });
}

/**
 * Moves the stored access (and ID) token's expiry into the past, as the clock would after its lifetime: the next
 * mcp-tether process must refresh before its first request. The authorization server is not touched.
 */
export function expireStoredTokens(home: string, serverUrl: string): void {
  const state = readServerState(stateDirOf(home), new URL(serverUrl).href);
  const record = keychainRecord(home, serverUrl);
  if (!state || !record?.tokens) throw new Error('no stored tokens to expire');
  const past = Date.now() - 1_000;
  const tokens = { ...record.tokens, obtained_at: past - 60_000, expires_at: past, ...(record.tokens.id_token_expires_at === undefined ? {} : { id_token_expires_at: past }) };
  const entry = new Entry(SERVICE, entryName(state), { linux: { store: 'secret-service' } });
  onTheBus(() => entry.setPassword(JSON.stringify({ ...record, tokens })));
}
