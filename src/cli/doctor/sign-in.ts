// The doctor's --sign-in steps: a real sign-in through `mcp-tether login`'s own code, then initialize and tools/list
// with the token, then the claims a gateway checks in that token (never the token itself) against what the server
// asked for.
import { asTetherError, hasCode, TetherError } from '../../errors.js';
import type { Fetch } from '../../http/fetch.js';
import type { Logger } from '../../log.js';
import { parseStaticClientInfo } from '../../auth/static-client.js';
import { openStore } from '../../store/open-store.js';
import { stateDirectory } from '../../store/paths.js';
import { loadSignIn } from '../../store/sign-in-record.js';
import { login } from '../login.js';
import { createSession } from '../oauth-session.js';
import type { Config } from '../program.js';
import { packageVersion } from '../version.js';
import type { AuthorizationFindings } from './authorization.js';
import { checkClaims } from './claims.js';
import { fail, ok, warn, type Step, type Steps } from './report.js';

const TITLES = {
  signIn: 'sign-in (as mcp-tether login)',
  mcp: 'initialize and tools/list with the token',
  claims: 'the token\'s claims (what a gateway checks)',
} as const;

export const SIGN_IN_STEPS = [
  ['sign-in', TITLES.signIn],
  ['mcp', TITLES.mcp],
  ['claims', TITLES.claims],
] as const;

/** initialize and tools/list with the session's current credential, as the proxy's transport would send it. */
async function callServer(config: Config, log: Logger, env: NodeJS.ProcessEnv, fetch: Promise<Fetch>): Promise<string[]> {
  const [sdk, session, base] = await Promise.all([import('@modelcontextprotocol/client'), createSession(config, log, env, fetch), fetch]);
  const bearer = await session.token();
  const wrapped = session.wrapFetch(base);
  // No AuthProvider: a refusal is reported, not answered with another sign-in.
  const withToken: Fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (bearer) headers.set('authorization', `Bearer ${bearer}`);
    return wrapped(input, { ...init, headers });
  };
  // The transports in the order the proxy tries them (--transport); a legacy HTTP+SSE server answers the first POST
  // of Streamable HTTP with 404 or 405, and the next one is tried, as the proxy does.
  const order = { 'http-first': ['http', 'sse'], 'sse-first': ['sse', 'http'], 'http-only': ['http'], 'sse-only': ['sse'] } as const;
  let lastError: unknown;
  for (const kind of order[config.transport]) {
    const options = { fetch: withToken, requestInit: { headers: config.headers } };
    const transport = kind === 'http' ? new sdk.StreamableHTTPClientTransport(config.serverUrl, options) : new sdk.SSEClientTransport(config.serverUrl, options);
    const client = new sdk.Client({ name: 'mcp-tether-doctor', version: packageVersion() }, { capabilities: {} });
    try {
      await client.connect(transport);
      const server = client.getServerVersion();
      const { tools } = await client.listTools();
      return [
        `initialize${kind === 'sse' ? ' (legacy HTTP+SSE transport)' : ''}: ${server?.name ?? 'the server'} ${server?.version ?? ''}`.trim(),
        `tools/list: ${tools.length} tool(s)${tools.length ? `: ${tools.slice(0, 8).map((tool) => tool.name).join(', ')}${tools.length > 8 ? ', ...' : ''}` : ''}`,
      ];
    } catch (error) {
      lastError = error;
      if (!/\b40[45]\b/.test(error instanceof Error ? error.message : String(error))) throw error;
    } finally {
      await client.close().catch(() => undefined);
    }
  }
  throw lastError;
}

/** A refusal of the SDK's ("HTTP 401", "Unauthorized") as the coded error login gives for it. */
function refusal(error: unknown, config: Config): TetherError {
  const message = error instanceof Error ? error.message : String(error);
  if (/\b40[13]\b|unauthori[sz]ed|forbidden/i.test(message)) {
    return new TetherError('TETHER_CREDENTIALS_REFUSED', `${config.serverUrl.href} refuses the token just obtained (${message.slice(0, 200)}).`);
  }
  return asTetherError(error);
}

export async function probeSignIn(config: Config, log: Logger, env: NodeJS.ProcessEnv, fetch: Promise<Fetch>, findings: AuthorizationFindings | undefined, steps: Steps): Promise<void> {
  let refused: TetherError | undefined;
  try {
    steps.add(ok('sign-in', TITLES.signIn, [await login(config, log, env)]));
  } catch (error) {
    if (!hasCode(error, 'TETHER_CREDENTIALS_REFUSED')) {
      const failed = steps.add(fail('sign-in', TITLES.signIn, error));
      steps.skipBecause('mcp', TITLES.mcp, failed);
      steps.skipBecause('claims', TITLES.claims, failed);
      return;
    }
    refused = error;
    steps.add(ok('sign-in', TITLES.signIn, ['signed in; the server refuses the token it got (below)']));
  }
  let called: Step;
  if (refused) {
    called = steps.add(fail('mcp', TITLES.mcp, refused));
  } else {
    try {
      called = steps.add(ok('mcp', TITLES.mcp, await callServer(config, log, env, fetch)));
    } catch (error) {
      called = steps.add(fail('mcp', TITLES.mcp, refusal(error, config)));
    }
  }
  steps.add(await claimsStep(config, log, env, findings, called.outcome === 'fail'));
}

async function claimsStep(config: Config, log: Logger, env: NodeJS.ProcessEnv, findings: AuthorizationFindings | undefined, serverRefused: boolean): Promise<Step> {
  const stateDir = stateDirectory(env);
  const staticClient = config.staticClientInfo === undefined ? undefined : parseStaticClientInfo(config.staticClientInfo);
  const stored = loadSignIn(stateDir, config.serverUrl.href, openStore(config.tokenStore, stateDir, log), staticClient?.client_id);
  const tokens = (await stored.secrets.catch(() => undefined))?.tokens;
  const useIdToken = config.signIn.useIdToken;
  const bearer = useIdToken ? (tokens?.id_token ?? tokens?.access_token) : tokens?.access_token;
  if (!bearer) return warn('claims', TITLES.claims, [config.tokenStore === 'memory' ? '--token-store memory: the token is not kept to be read' : 'no token is stored to read']);
  const resource = findings?.resource ?? stored.state?.resource;
  const scope = findings?.scope ?? stored.state?.scope;
  const issuer = findings?.server.issuer ?? stored.state?.issuer;
  const clientId = stored.state?.client.client_id;
  const check = checkClaims(
    bearer,
    { serverUrl: config.serverUrl.href, useIdToken, ...(resource ? { resource } : {}), ...(scope ? { scope } : {}), ...(issuer ? { issuer } : {}), ...(clientId ? { clientId } : {}) },
    Date.now(),
  );
  const details = [`${check.token}${useIdToken ? ' (--use-id-token)' : ''}:`, ...check.facts.map((fact) => `  ${fact}`), ...check.problems.slice(1).map((problem) => `also: ${problem.message} -> ${problem.hint}`)];
  const [first] = check.problems;
  if (!first) return ok('claims', TITLES.claims, details);
  return serverRefused ? fail('claims', TITLES.claims, first, details) : warn('claims', TITLES.claims, details, first);
}
