// `mcp-tether logout <url>` and `logout --all`: revoke at the authorization server where it offers revocation
// (RFC 7009), then delete every trace: the credential store entry, the state file, the handshake cache, the lock.
// A store that cannot be reached keeps its entry and the state that names it: nothing is orphaned.
import { readdir, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { asTetherError, ExitCode, TetherError } from '../errors.js';
import type { Fetch } from '../http/fetch.js';
import { signInFetch } from '../http/sign-in-fetch.js';
import type { Logger } from '../log.js';
import { stateDirectory } from '../store/paths.js';
import { deleteServerCache } from '../bridge/handshake.js';
import { removeServerLock } from '../coordination/lock.js';
import { listServerStates, readServerState, type ServerState } from '../store/server-state.js';
import { forgetIdentityProviderSignIns, forgetSignIn, readSecrets, storeFor } from '../store/sign-in-record.js';
import { serverUrlOf } from '../http/url.js';
import type { LogoutOptions } from './program.js';

function list(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}`;
}

interface SignedOut {
  line: string;
  /** Revocation failed (the grant may live on at the server until it expires); the local sign-out happened. */
  revocationFailure?: TetherError;
}

async function logoutOne(state: ServerState, stateDir: string, fetch: Promise<Fetch>, log: Logger): Promise<SignedOut> {
  const store = storeFor(state, stateDir, log);
  let secrets;
  try {
    secrets = await readSecrets(state, store);
  } catch (error) {
    const coded = asTetherError(error);
    throw new TetherError(coded.code, `Cannot sign out of ${state.server_url}: ${coded.message} Nothing was revoked or removed.`, { hint: coded.hint, cause: error });
  }
  const done: string[] = [];
  let revocationFailure: TetherError | undefined;
  try {
    const { revokeTokens } = await import('../auth/revoke.js');
    // the endpoints were accepted at sign-in (a private one too, if the user allowed it then); the request is still
    // bounded, never redirected, and never sent to a link-local or metadata address
    const bounded = signInFetch(await fetch, { serverUrl: new URL(state.server_url), allowPrivate: true });
    const revocation = await revokeTokens(state, secrets, bounded, true);
    if (revocation.revoked.length > 0) done.push(`revoked the ${list(revocation.revoked)} at ${state.issuer}`);
    if (revocation.unsupported.length > 0) done.push(`${state.issuer} does not revoke the ${list(revocation.unsupported)} (it expires by itself)`);
    if (revocation.failed.length > 0) done.push(`could not revoke the ${list(revocation.failed.map((failure) => failure.token))} (see below)`);
    if (!revocation.offered && secrets?.tokens) done.push(`${state.issuer} offers no revocation (the tokens expire by themselves)`);
    revocationFailure = revocation.failed[0]?.error;
  } catch (error) {
    revocationFailure = asTetherError(error);
    done.push('could not revoke at the authorization server (see below)');
  }
  const deleted = await forgetSignIn(stateDir, store, state).catch((error: unknown) => {
    const coded = asTetherError(error);
    throw new TetherError(coded.code, `Cannot delete the credentials of ${state.server_url}: ${coded.message} The state that names them is kept.`, { hint: coded.hint, cause: error });
  });
  await deleteServerCache(stateDir, state.server_url);
  await removeServerLock(stateDir, state.server_url);
  done.push(deleted ? `deleted the credentials from ${store.kind === 'file' ? store.location : `the ${store.location}`}` : 'no credentials were stored');
  done.push('deleted the state');
  return { line: `Signed out of ${state.server_url}: ${done.join('; ')}.`, ...(revocationFailure ? { revocationFailure } : {}) };
}

/** After `logout --all`: handshake caches of servers without a sign-in, stale locks, and the folders, if empty. */
async function removeLeftovers(stateDir: string): Promise<void> {
  for (const folder of ['servers', 'locks']) {
    const path = join(stateDir, folder);
    const names = await readdir(path).catch(() => [] as string[]);
    for (const name of names) if (folder === 'locks' || name.endsWith('.server.json')) await unlink(join(path, name)).catch(() => undefined);
    await rmdir(path).catch(() => undefined);
  }
  await rmdir(stateDir).catch(() => undefined);
}

/** Signs out; returns the lines for stdout and the exit code (failures are said on stderr as they happen). */
export async function logout(
  serverUrl: string | undefined,
  options: LogoutOptions,
  env: NodeJS.ProcessEnv,
  fetch: Promise<Fetch>,
  log: Logger,
): Promise<{ lines: string[]; exitCode: number }> {
  const stateDir = stateDirectory(env);
  let states: ServerState[];
  if (options.all) {
    if (serverUrl !== undefined) throw new TetherError('TETHER_INVALID_ARGUMENT', 'logout takes a server URL or --all, not both.');
    states = await listServerStates(stateDir);
  } else {
    if (serverUrl === undefined) throw new TetherError('TETHER_MISSING_ARGUMENT', 'logout needs a server URL, or --all.', { hint: 'Run mcp-tether status to see the servers mcp-tether holds credentials for.' });
    const url = serverUrlOf(serverUrl, true).href;
    const state = readServerState(stateDir, url);
    if (!state) return { lines: [`mcp-tether holds no credentials for ${url}.`], exitCode: ExitCode.ok };
    states = [state];
  }
  const lines: string[] = [];
  let failure: TetherError | undefined;
  for (const state of states) {
    try {
      const outcome = await logoutOne(state, stateDir, fetch, log);
      lines.push(outcome.line);
      if (outcome.revocationFailure) {
        log.always(outcome.revocationFailure.describe());
        failure ??= outcome.revocationFailure;
      }
    } catch (error) {
      const coded = asTetherError(error);
      if (!options.all) throw coded;
      log.always(coded.describe());
      failure ??= coded;
    }
  }
  if (options.all) {
    const identityProviders = await forgetIdentityProviderSignIns(stateDir, log).catch((error: unknown) => {
      const coded = asTetherError(error);
      log.always(coded.describe());
      failure ??= coded;
      return 0;
    });
    if (identityProviders > 0) lines.push(`Signed out of ${identityProviders} identity provider${identityProviders > 1 ? 's' : ''} (enterprise-managed authorization).`);
    if (!failure) await removeLeftovers(stateDir);
    if (states.length === 0 && identityProviders === 0) lines.push('mcp-tether holds no credentials.');
  }
  // A revocation the server refused is a failure of this command (1), not a failed sign-in (3).
  return { lines, exitCode: failure === undefined ? ExitCode.ok : failure.exitCode === ExitCode.usage ? ExitCode.usage : ExitCode.failure };
}
