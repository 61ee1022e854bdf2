// The default command: wires the credential store, the sign-in session, the remote transport and the stdio bridge.
import { fileURLToPath } from 'node:url';
import { Bridge } from '../bridge/bridge.js';
import { readServerCache, writeServerCache, type CachedServer } from '../bridge/handshake.js';
import { ToolFilter } from '../bridge/tool-filter.js';
import { Upstream } from '../bridge/upstream.js';
import { TetherTransport } from '../bridge/tether-transport.js';
import type { BearerChallenge } from '../auth/challenge.js';
import type { SignedIn } from '../auth/settings.js';
import { signInDetached } from '../coordination/detached-sign-in.js';
import { createFetch } from '../http/fetch.js';
import type { Logger } from '../log.js';
import { stateDirectory } from '../store/paths.js';
import { createSession } from './oauth-session.js';
import type { Config } from './program.js';
import { packageVersion } from './version.js';
import type { WireConfig } from './sign-in-worker.js';

const SIGN_IN_WORKER = fileURLToPath(new URL('./sign-in-worker.js', import.meta.url));

export async function runProxy(config: Config, log: Logger, env: NodeJS.ProcessEnv): Promise<void> {
  let initializeAnswered: () => void = () => undefined;
  const undiciWhen = new Promise<void>((resolve) => (initializeAnswered = resolve));
  const fetch = createFetch({ env, undiciWhen, ...config.network, ...(config.caFile ? { caFile: config.caFile } : {}) });
  // Sign-ins with a user run in a detached process, so that one in progress survives the IDE letting this one go.
  const signInElsewhere = (challenge: BearerChallenge, rejected: string | undefined, onUrl: (url: string) => void): Promise<SignedIn> =>
    signInDetached<WireConfig, BearerChallenge, SignedIn>({
      worker: SIGN_IN_WORKER,
      order: { type: 'sign-in', config: { ...config, serverUrl: config.serverUrl.href }, challenge, ...(rejected ? { rejected } : {}) },
      env,
      timeoutMs: config.signIn.authTimeoutMs + 90_000,
      onLog: (line) => log.relay(line),
      onUrl,
    });
  const [sdk, session, baseFetch] = await Promise.all([
    import('@modelcontextprotocol/client'),
    createSession(config, log, env, fetch, config.tokenStore === 'memory' ? {} : { signInElsewhere }),
    fetch,
  ]);
  const transportFetch = session.wrapFetch(baseFetch);
  const requestInit = { headers: config.headers };
  const stateDir = stateDirectory(env);
  const cached = config.tokenStore === 'memory' ? undefined : readServerCache(stateDir, config.serverUrl.href);
  const upstream: Upstream = new Upstream({
    url: config.serverUrl,
    mode: config.transport,
    ...(config.protocol === 'legacy' ? { legacyOnly: true } : {}),
    ...(cached?.era ? { era: cached.era } : {}),
    log,
    streamable: () =>
      new TetherTransport((fetch) => new sdk.StreamableHTTPClientTransport(config.serverUrl, { authProvider: session, fetch, requestInit }), transportFetch, sdk, {
        url: config.serverUrl,
        headers: config.headers,
        token: () => session.token(),
      }),
    legacySse: () =>
      new TetherTransport((fetch) => new sdk.SSEClientTransport(config.serverUrl, { authProvider: session, fetch, requestInit }), transportFetch, sdk),
    showsUrlElicitation: () => bridge.ideSupportsUrlElicitation(),
  });
  const bridge: Bridge = new Bridge({
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
    ...(config.initializeHoldMs === undefined ? {} : { initializeHoldMs: config.initializeHoldMs }),
  });
  session.observer = bridge;
  const stop = (): void => {
    void bridge.close().finally(() => process.exit(0));
  };
  for (const signal of stopSignals(process.platform)) process.once(signal, stop);
  process.stdout.on('error', stop); // the IDE went away
  await bridge.run();
}

/**
 * The signals that end the proxy cleanly (the session closed, pending work answered): SIGTERM and SIGINT everywhere,
 * SIGHUP where the terminal that started it closes, SIGBREAK (Ctrl+Break) on Windows, where IDEs mostly just close
 * stdin or end the process.
 */
export function stopSignals(platform: NodeJS.Platform): NodeJS.Signals[] {
  return platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGBREAK', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
}
