// The sign-in a process is running for a server, published beside its lock so that another mcp-tether started
// meanwhile joins it (shows the same link) instead of opening a second browser window. Holds no secret: the
// authorization URL carries only the public PKCE challenge and state.
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic } from '../store/atomic-file.js';
import { serverKey } from '../store/server-state.js';

export interface PendingSignIn {
  /** The URL the user must open (authorization URL, or the device verification URL). */
  url: string;
  pid: number;
  /** Epoch ms after which the sign-in gives up. */
  expires_at: number;
}

function pendingPath(stateDir: string, serverUrl: string): string {
  return join(stateDir, 'locks', `${serverKey(serverUrl)}.pending.json`);
}

export async function publishPendingSignIn(stateDir: string, serverUrl: string, pending: PendingSignIn): Promise<void> {
  await writeFileAtomic(pendingPath(stateDir, serverUrl), JSON.stringify(pending));
}

/** The sign-in in progress for this server, if its process is still within its time. */
export async function readPendingSignIn(stateDir: string, serverUrl: string, now = Date.now()): Promise<PendingSignIn | undefined> {
  const pending = await readJsonFile<PendingSignIn>(pendingPath(stateDir, serverUrl));
  return pending && typeof pending.url === 'string' && pending.expires_at > now ? pending : undefined;
}

export async function clearPendingSignIn(stateDir: string, serverUrl: string): Promise<void> {
  await unlink(pendingPath(stateDir, serverUrl)).catch(() => undefined);
}
