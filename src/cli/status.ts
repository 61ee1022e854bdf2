// `mcp-tether status [url] [--check] [--json]`: what mcp-tether holds per server, whether each is usable, and with
// --check whether the server accepts it. Exit 0 when every listed server is usable, 1 otherwise. Never prints a secret.
import { asTetherError, ExitCode, TetherError, type ErrorData } from '../errors.js';
import type { Fetch } from '../http/fetch.js';
import { probeEndpoint } from '../http/mcp-endpoint.js';
import { serverUrlOf } from '../http/url.js';
import { accountOf, isDPoPBound, refreshDue } from '../auth/tokens.js';
import type { Logger } from '../log.js';
import { stateDirectory } from '../store/paths.js';
import type { StoreKind } from '../store/secret-store.js';
import { listServerStates, type ServerState } from '../store/server-state.js';
import { readSecrets, storeFor } from '../store/sign-in-record.js';
import type { StatusOptions } from './program.js';

export interface ServerStatus {
  server: string;
  /** Whether an IDE starting now would get through without a new sign-in. */
  usable: boolean;
  /** From the ID token (or access token) claims: email, user name or subject. */
  account: string | null;
  authorization_server: string;
  client_id: string;
  client_source: 'static' | 'metadata-document' | 'dynamic';
  scope: string | null;
  /** null when the store could not be read. */
  signed_in: boolean | null;
  access_token_expires_at: string | null;
  refreshable: boolean | null;
  store: { kind: StoreKind; location: string };
  updated_at: string;
  /** With --check: what the server said to the credential. */
  check: { accepted: boolean; status: number | null; detail: string } | null;
  /** Why the server is not usable (or could not be checked), coded. */
  error: ErrorData | null;
}

/** One server's status (also doctor's stored-credentials step); `check` given: the credential is tried at the server. */
export async function statusOf(state: ServerState, stateDir: string, log: Logger, check: (() => Promise<Fetch>) | undefined): Promise<ServerStatus> {
  const store = storeFor(state, stateDir, log);
  const base = {
    server: state.server_url,
    authorization_server: state.issuer,
    client_id: state.client.client_id,
    client_source: state.client.source,
    store: { kind: state.store ?? store.kind, location: store.location },
    updated_at: state.updated_at,
  };
  let tokens;
  let dpopKey;
  try {
    const secrets = await readSecrets(state, store);
    tokens = secrets?.tokens;
    dpopKey = secrets?.dpop_key;
  } catch (error) {
    const coded = asTetherError(error);
    return { ...base, usable: false, account: null, scope: state.scope ?? null, signed_in: null, access_token_expires_at: null, refreshable: null, check: null, error: coded.toData() };
  }
  const now = Date.now();
  const expired = tokens !== undefined && refreshDue(tokens, now);
  const refreshable = tokens?.refresh_token !== undefined;
  let error: TetherError | undefined;
  if (!tokens) error = new TetherError('TETHER_GRANT_REVOKED', 'Not signed in: no tokens are stored.', { hint: `Run mcp-tether login ${state.server_url}, or start the server in your IDE.` });
  else if (expired && !refreshable) error = new TetherError('TETHER_GRANT_REVOKED', 'The access token has expired and cannot be refreshed.', { hint: `Run mcp-tether login ${state.server_url}.` });
  let checked: ServerStatus['check'] = null;
  if (check && tokens && !error) {
    if (expired) {
      checked = { accepted: false, status: null, detail: 'not checked: the access token has expired; it is refreshed when an IDE next uses it' };
    } else {
      const url = new URL(state.server_url);
      const base = await check();
      const access = tokens.access_token;
      // A token bound to a key (DPoP) is checked as the IDE's requests present it: with a proof of that key.
      const probeFetch: Fetch =
        dpopKey && isDPoPBound(tokens.token_type)
          ? await import('../auth/dpop.js').then(async ({ fetchWithProof, loadDPoPKey }) => {
              const key = await loadDPoPKey(dpopKey);
              const nonces = new Map<string, string>();
              return (input, init) => fetchWithProof(base, key, nonces, access, input, init);
            })
          : base;
      let probe = await probeEndpoint(url, probeFetch, access).catch((failure: unknown) => asTetherError(failure));
      // Signed in with --use-id-token (a gateway behind Cognito): the ID token is the credential the server takes.
      if (!(probe instanceof TetherError) && (probe.answer === 'unauthorized' || probe.answer === 'forbidden') && tokens.id_token) {
        probe = await probeEndpoint(url, await check(), tokens.id_token).catch((failure: unknown) => asTetherError(failure));
      }
      if (probe instanceof TetherError) {
        error = probe;
        checked = { accepted: false, status: null, detail: probe.message };
      } else {
        checked = { accepted: probe.answer === 'mcp', status: probe.status, detail: probe.describe };
        if (probe.answer === 'unauthorized' || probe.answer === 'forbidden') {
          error = new TetherError('TETHER_CREDENTIALS_REFUSED', `${state.server_url} refuses the stored credential (${probe.describe}).`, {
            hint: `Run mcp-tether login ${state.server_url} to sign in again. (status sends no --header: a server that also needs a header is not checked rightly here.)`,
          });
        } else if (probe.answer !== 'mcp') {
          error = probe.error ?? new TetherError('TETHER_SERVER_FAILED', `${state.server_url} answered ${probe.describe}.`);
        }
      }
    }
  }
  return {
    ...base,
    usable: error === undefined,
    account: tokens ? (accountOf(tokens.access_token, tokens.id_token) ?? null) : null,
    scope: tokens?.scope ?? state.scope ?? null,
    signed_in: tokens !== undefined,
    access_token_expires_at: tokens?.expires_at === undefined ? null : new Date(tokens.expires_at).toISOString(),
    refreshable,
    check: checked,
    error: error ? error.toData() : null,
  };
}

/** "in 42 min", "3 h ago": how far `at` is from `now`, in the largest whole unit. */
export function relativeTime(at: number, now: number): string {
  const seconds = Math.round((at - now) / 1000);
  const size = Math.abs(seconds);
  const [amount, unit] =
    size < 90 ? [size, 's'] : size < 90 * 60 ? [Math.round(size / 60), 'min'] : size < 36 * 3600 ? [Math.round(size / 3600), 'h'] : [Math.round(size / 86400), 'days'];
  return seconds >= 0 ? `in ${amount} ${unit}` : `${amount} ${unit} ago`;
}

function localTime(iso: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

const SOURCE_WORDS = { static: 'pre-registered', 'metadata-document': 'client ID metadata document', dynamic: 'registered by mcp-tether' } as const;

export function formatStatus(statuses: ServerStatus[], now = Date.now()): string {
  if (statuses.length === 0) return 'mcp-tether holds no credentials.\n';
  return statuses
    .map((s) => {
      const expiry = s.access_token_expires_at;
      const token =
        s.signed_in === null
          ? 'unknown (the store cannot be read)'
          : !s.signed_in
            ? 'none'
            : `${expiry ? `${Date.parse(expiry) > now ? 'expires' : 'expired'} ${relativeTime(Date.parse(expiry), now)} (${localTime(expiry)})` : 'no expiry given'}${s.refreshable ? ', refreshable' : ', not refreshable'}`;
      const lines = [
        `${s.usable ? 'ok ' : 'NOT USABLE '} ${s.server}`,
        ...(s.account ? [`  account:              ${s.account}`] : []),
        `  authorization server: ${s.authorization_server}`,
        `  client:               ${s.client_id} (${SOURCE_WORDS[s.client_source]})`,
        `  scopes:               ${s.scope ?? '(none requested)'}`,
        `  access token:         ${token}`,
        `  stored in:            ${s.store.kind === 'file' ? s.store.location : `the ${s.store.location}`}`,
        ...(s.check ? [`  check:                ${s.check.accepted ? 'accepted by the server' : 'not accepted'} (${s.check.detail})`] : []),
        ...(s.error ? [`  problem:              ${s.error.message} [${s.error.code}]`, `                        -> ${s.error.fix}`] : []),
      ];
      return lines.join('\n');
    })
    .join('\n\n')
    .concat('\n');
}

/** The status of every server (or of `only`); `fetch` is asked for only with --check. */
async function collectStatus(only: string | undefined, options: StatusOptions, env: NodeJS.ProcessEnv, fetch: () => Promise<Fetch>, log: Logger): Promise<ServerStatus[]> {
  const stateDir = stateDirectory(env);
  const states = (await listServerStates(stateDir)).filter((state) => only === undefined || state.server_url === only);
  return Promise.all(states.map((state) => statusOf(state, stateDir, log, options.check ? fetch : undefined)));
}

/** Prints the status and returns the exit code: 0 when every listed server is usable (and, for one URL, known). */
export async function status(serverUrl: string | undefined, options: StatusOptions, env: NodeJS.ProcessEnv, fetch: () => Promise<Fetch>, log: Logger): Promise<number> {
  const only = serverUrl === undefined ? undefined : serverUrlOf(serverUrl, options.allowHttp === true).href;
  const statuses = await collectStatus(only, options, env, fetch, log);
  if (options.json) process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
  else if (only !== undefined && statuses.length === 0) process.stdout.write(`mcp-tether holds no credentials for ${only}.\n`);
  else process.stdout.write(formatStatus(statuses));
  if (only !== undefined && statuses.length === 0) return ExitCode.failure;
  return statuses.every((s) => s.usable) ? ExitCode.ok : ExitCode.failure;
}
