// `mcp-tether login <url> [callback-port] [options]`: sign in ahead of time (before an IDE with a short start-up
// timeout, or on a machine reached over SSH), through the same session the proxy uses.
import { AuthError } from '../errors.js';
import { createFetch } from '../http/fetch.js';
import type { Logger } from '../log.js';
import type { Config } from './program.js';
import { createSession } from './oauth-session.js';

/** A request that needs authorization but has no side effects: GET on the MCP endpoint without a session. */
async function probe(fetch: (input: URL, init: RequestInit) => Promise<Response>, config: Config, token: string | undefined): Promise<Response> {
  const response = await fetch(config.serverUrl, {
    method: 'GET',
    headers: { ...config.headers, accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  await response.body?.cancel().catch(() => undefined);
  return response;
}

export async function login(config: Config, log: Logger, env: NodeJS.ProcessEnv): Promise<string> {
  const baseFetch = createFetch({ env, ...(config.caFile ? { caFile: config.caFile } : {}) });
  const session = await createSession(config, log, env, baseFetch);
  const fetch = session.wrapFetch(await baseFetch);
  let response = await probe(fetch, config, await session.token());
  if (response.status === 401) {
    await session.onUnauthorized({ response });
    response = await probe(fetch, config, await session.token());
  }
  if (response.status === 401 || response.status === 403) {
    throw new AuthError(`${config.serverUrl.href} still refuses the credentials (HTTP ${response.status}).`, {
      hint: 'Check the scopes (--scope) and the client the server accepts; run with --debug for details.',
    });
  }
  const state = session.current;
  if (!session.signedIn || !state) return `${config.serverUrl.href} did not ask for authorization; nothing to sign in to.`;
  const expiry = session.expiresAt === undefined ? '' : `; the access token is valid until ${new Date(session.expiresAt).toISOString()} and is refreshed automatically`;
  return `Signed in to ${config.serverUrl.href} (authorization server ${state.issuer}, client ${state.client.client_id})${expiry}.`;
}
