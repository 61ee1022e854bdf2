// The default command: wires the credential store, the sign-in session, the remote transport and the stdio bridge.
import { Bridge } from '../bridge/bridge.js';
import type { CachedServer } from '../bridge/handshake.js';
import { ToolFilter } from '../bridge/tool-filter.js';
import { Upstream } from '../bridge/upstream.js';
import { VerbatimResults } from '../bridge/verbatim-results.js';
import { VerbatimBodies } from '../bridge/verbatim.js';
import { loadStoredSignIn, OAuthSession } from '../auth/session.js';
import { parseStaticClientInfo } from '../auth/registration.js';
import { createFetch, withDeadline, type Fetch } from '../http/fetch.js';
import type { Logger } from '../log.js';
import { openStore } from '../store/open-store.js';
import { stateDirectory } from '../store/paths.js';
import { readServerCache, writeServerCache } from '../store/server-state.js';
import type { Config } from './program.js';
import { packageVersion } from './version.js';

/** Sign-in requests (discovery, registration, tokens) give up after this long. */
const AUTH_REQUEST_DEADLINE_MS = 30_000;

export async function openBrowser(url: string): Promise<void> {
  const { default: open } = await import('open');
  const child = await open(url, { wait: false });
  child.on('error', () => undefined);
}

/** The OAuth session for a server; starts reading stored credentials at once, so the keychain answers early. */
export async function createSession(config: Config, log: Logger, env: NodeJS.ProcessEnv, fetch: Promise<Fetch>): Promise<OAuthSession> {
  const stateDir = stateDirectory(env);
  const store = openStore(config.tokenStore, stateDir, log);
  const staticClient = config.staticClientInfo === undefined ? undefined : parseStaticClientInfo(config.staticClientInfo);
  const stored = loadStoredSignIn(config.serverUrl, stateDir, store, staticClient?.client_id);
  return new OAuthSession(
    {
      serverUrl: config.serverUrl,
      stateDir,
      store,
      fetch: withDeadline(await fetch, AUTH_REQUEST_DEADLINE_MS),
      log,
      allowHttp: config.allowHttp,
      ...(staticClient ? { staticClient } : {}),
      clientMetadata: config.staticClientMetadata,
      ...(config.clientMetadataUrl ? { clientMetadataUrl: config.clientMetadataUrl } : {}),
      callback: { host: config.host, path: config.callbackPath, ...(config.callbackPort === undefined ? {} : { port: config.callbackPort }) },
      authTimeoutMs: config.authTimeoutMs,
      ...(config.scope ? { scope: config.scope } : {}),
      ...(config.resource ? { resource: config.resource } : {}),
      disableResource: config.disableResource,
      authorizeParams: config.authorizeParams,
      assumePkce: config.assumePkce,
      useIdToken: config.useIdToken,
      flow: config.flow,
      openBrowser,
    },
    stored,
  );
}

export async function runProxy(config: Config, log: Logger, env: NodeJS.ProcessEnv): Promise<void> {
  let initializeAnswered: () => void = () => undefined;
  const undiciWhen = new Promise<void>((resolve) => (initializeAnswered = resolve));
  const fetch = createFetch({ env, undiciWhen, ...(config.caFile ? { caFile: config.caFile } : {}) });
  const [sdk, session, baseFetch] = await Promise.all([import('@modelcontextprotocol/client'), createSession(config, log, env, fetch), fetch]);
  const verbatim = new VerbatimBodies();
  const results = new VerbatimResults(sdk.deserializeMessage);
  const transportFetch = results.wrap(verbatim.wrap(session.wrapFetch(baseFetch)));
  const requestInit = { headers: config.headers };
  const stateDir = stateDirectory(env);
  const cached = config.tokenStore === 'memory' ? undefined : readServerCache<CachedServer>(stateDir, config.serverUrl.href);
  const upstream = new Upstream({
    mode: config.transport,
    ...(cached?.era ? { era: cached.era } : {}),
    log,
    streamable: () => new sdk.StreamableHTTPClientTransport(config.serverUrl, { authProvider: session, fetch: transportFetch, requestInit }),
    legacySse: () => new sdk.SSEClientTransport(config.serverUrl, { authProvider: session, fetch: transportFetch, requestInit }),
    verbatim,
    results,
  });
  const bridge = new Bridge({
    upstream,
    input: process.stdin,
    output: process.stdout,
    log,
    toolFilter: new ToolFilter(config.ignoreTools, config.allowTools),
    ...(cached ? { cached } : {}),
    ...(config.tokenStore === 'memory'
      ? {}
      : { remember: (server: CachedServer) => void writeServerCache(stateDir, config.serverUrl.href, server, cached).catch(() => undefined) }),
    version: packageVersion(),
    onInitializeAnswered: () => setImmediate(initializeAnswered),
  });
  session.observer = bridge;
  const stop = (): void => {
    void bridge.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.on('error', stop); // the IDE went away
  await bridge.run();
}
