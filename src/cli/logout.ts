// `mcp-tether logout <url>` and `logout --all`: revoke at the authorization server where it offers revocation
// (RFC 7009), then delete every trace: the credential store entry, the state file, the lock.
import { describeError, UsageError } from '../errors.js';
import type { Fetch } from '../http/fetch.js';
import type { Logger } from '../log.js';
import { stateDirectory } from '../store/paths.js';
import { deleteServerCache } from '../bridge/handshake.js';
import { removeServerLock } from '../coordination/lock.js';
import { listServerStates, readServerState, type ServerState } from '../store/server-state.js';
import { forgetSignIn, readSecrets, storeFor } from '../store/sign-in-record.js';

async function logoutOne(state: ServerState, stateDir: string, fetch: Fetch, log: Logger): Promise<string> {
  const store = storeFor(state, stateDir, log);
  const secrets = await readSecrets(state, store).catch(() => undefined);
  let revocation: string;
  try {
    const { revokeTokens } = await import('../auth/revoke.js');
    const outcome = await revokeTokens(state, secrets, fetch, true);
    revocation = outcome === 'revoked' ? `revoked at ${state.issuer}` : outcome === 'not offered' ? `${state.issuer} offers no revocation` : 'no tokens held';
  } catch (error) {
    revocation = `revocation failed (${describeError(error)}); removed locally anyway`;
  }
  await forgetSignIn(stateDir, store, state);
  await deleteServerCache(stateDir, state.server_url);
  await removeServerLock(stateDir, state.server_url);
  return `Signed out of ${state.server_url}: ${revocation}; removed from the ${store.location}.`;
}

export async function logout(serverUrl: string | undefined, all: boolean, env: NodeJS.ProcessEnv, fetch: Fetch, log: Logger): Promise<string[]> {
  const stateDir = stateDirectory(env);
  if (all) {
    const states = await listServerStates(stateDir);
    if (states.length === 0) return ['mcp-tether holds no credentials.'];
    const lines: string[] = [];
    for (const state of states) lines.push(await logoutOne(state, stateDir, fetch, log));
    return lines;
  }
  if (!serverUrl) throw new UsageError('logout needs a server URL, or --all.', 'Run mcp-tether status to see the servers mcp-tether holds credentials for.');
  const state = readServerState(stateDir, new URL(serverUrl).href);
  if (!state) return [`mcp-tether holds no credentials for ${new URL(serverUrl).href}.`];
  return [await logoutOne(state, stateDir, fetch, log)];
}
