// `mcp-tether login <url> [callback-port] [options]`: sign in ahead of time (before an IDE with a short start-up
// timeout, or on a machine reached over SSH), through the same session the proxy uses. A URL that is not an MCP
// endpoint is named as such (TETHER_NOT_MCP_ENDPOINT), never "nothing to sign in to".
import { TetherError } from '../errors.js';
import { createFetch } from '../http/fetch.js';
import { probeEndpoint, type Probe } from '../http/mcp-endpoint.js';
import type { Logger } from '../log.js';
import type { Config } from './program.js';
import { createSession } from './oauth-session.js';

function refused(config: Config, probe: Probe): TetherError {
  return new TetherError('TETHER_CREDENTIALS_REFUSED', `${config.serverUrl.href} still refuses the credentials (${probe.describe}).`, {
    hint: 'Check the scopes (--scope), the audience the server expects (--resource, --use-id-token) and the client it accepts; run with --debug for details.',
  });
}

export async function login(config: Config, log: Logger, env: NodeJS.ProcessEnv): Promise<string> {
  const baseFetch = createFetch({ env, ...config.network, ...(config.caFile ? { caFile: config.caFile } : {}) });
  const session = await createSession(config, log, env, baseFetch);
  const fetch = session.wrapFetch(await baseFetch);
  const before = await session.token();
  let probe = await probeEndpoint(config.serverUrl, fetch, before, config.headers);
  let signedInNow = false;
  if (probe.answer === 'unauthorized' && probe.response) {
    await session.onUnauthorized({ response: probe.response });
    signedInNow = true;
    probe = await probeEndpoint(config.serverUrl, fetch, await session.token(), config.headers);
  }
  if (probe.error) throw probe.error;
  if (probe.answer === 'unauthorized' || probe.answer === 'forbidden') throw refused(config, probe);
  const state = session.current;
  if (!session.signedIn || !state) return `${config.serverUrl.href} needs no sign-in: it answered initialize without credentials.`;
  const expiry = session.expiresAt === undefined ? '' : `; the access token is valid until ${new Date(session.expiresAt).toLocaleString()} and is refreshed automatically`;
  return `${signedInNow ? 'Signed in' : 'Already signed in'} to ${config.serverUrl.href} (authorization server ${state.issuer}, client ${state.client.client_id})${expiry}.`;
}
