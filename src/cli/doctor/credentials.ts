// The doctor's credential steps: whether the credential store (--token-store) answers, locked or not there, and what
// is stored for this server (issuer, client, scopes, expiry, refreshability, in `status`'s own words). No secret shown.
import { hasCode, TetherError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { openStore } from '../../store/open-store.js';
import type { StoreChoice } from '../../store/secret-store.js';
import type { ServerState } from '../../store/server-state.js';
import { entryName, readSecrets } from '../../store/sign-in-record.js';
import { formatStatus, statusOf } from '../status.js';
import { fail, ok, warn, type Step } from './report.js';

const KEYCHAIN_TITLE = 'credential store';
const STORED_TITLE = 'stored credentials for this server';
/** The entry written and deleted again to see whether the keychain takes writes (only when nothing is stored). */
const PROBE_ENTRY = 'mcp-tether doctor: a test entry, deleted at once';

/**
 * The store the proxy would use. With a stored sign-in its entry is read (what the proxy does first); without one, a
 * test entry is written and deleted, since the first sign-in will write: a locked keychain refuses that.
 */
export async function probeStore(choice: StoreChoice, stateDir: string, log: Logger, state: ServerState | undefined): Promise<Step> {
  const store = openStore(choice, stateDir, log);
  if (state) {
    try {
      const secrets = await readSecrets(state, store);
      return ok('keychain', KEYCHAIN_TITLE, [`${store.location} (--token-store ${choice}) answers`, `entry "${entryName(state)}": ${secrets ? 'holds this server\'s sign-in' : 'empty'}`]);
    } catch (error) {
      return fail('keychain', KEYCHAIN_TITLE, error, [`reading the entry "${entryName(state)}" from the ${store.location}`]);
    }
  }
  if (choice === 'memory') return ok('keychain', KEYCHAIN_TITLE, ['--token-store memory: nothing is kept beyond the process']);
  if (choice === 'file') return ok('keychain', KEYCHAIN_TITLE, [`--token-store file: ${store.location}`, 'no entry for this server yet']);
  const keychain = openStore('keychain', stateDir, log);
  try {
    await keychain.set(PROBE_ENTRY, 'test');
    await keychain.delete(PROBE_ENTRY);
  } catch (error) {
    if (choice === 'auto' && hasCode(error, 'TETHER_KEYCHAIN_UNAVAILABLE')) {
      const file = openStore('file', stateDir, log);
      return warn('keychain', KEYCHAIN_TITLE, [`the ${keychain.location} is not available: sign-ins are kept in ${file.location} instead (--token-store auto)`], error);
    }
    return fail('keychain', KEYCHAIN_TITLE, error, [`writing a test entry to the ${keychain.location}`]);
  }
  return ok('keychain', KEYCHAIN_TITLE, [`the ${keychain.location} answers and takes entries (a test entry was written and deleted)`, 'no entry for this server yet']);
}

/** What is stored for this server, as `status` shows it; `issuer`: the one discovery found now, if it did. */
export async function storedCredentials(state: ServerState | undefined, stateDir: string, log: Logger, issuer: string | undefined): Promise<Step> {
  if (!state) return ok('stored', STORED_TITLE, ['none: the first start (or mcp-tether login) signs in']);
  const status = await statusOf(state, stateDir, log, undefined);
  const details = formatStatus([status])
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '' && !line.includes('problem:') && !line.trim().startsWith('->'))
    .map((line) => line.trim());
  if (issuer !== undefined && issuer !== state.issuer) {
    return warn('stored', STORED_TITLE, details, new TetherError('TETHER_GRANT_REVOKED', `The stored sign-in is from ${state.issuer}, but the server now names ${issuer}.`, { hint: 'The next use signs in again at the new authorization server; nothing to do.' }));
  }
  const problem = status.error ? new TetherError(status.error.code, status.error.message, { hint: status.error.fix }) : undefined;
  if (status.signed_in === null) return fail('stored', STORED_TITLE, problem ?? new TetherError('TETHER_KEYCHAIN_REFUSED', 'The stored sign-in cannot be read.'), details);
  if (!status.usable && problem) return warn('stored', STORED_TITLE, details, problem);
  return ok('stored', STORED_TITLE, details);
}
