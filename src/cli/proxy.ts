// The default command: wires the credential store, the sign-in session, the remote transport and the stdio bridge.
import { Bridge } from '../bridge/bridge.js';
import { loadStoredSignIn, OAuthSession } from '../auth/session.js';
import { parseStaticClientInfo } from '../auth/registration.js';
import { createFetch } from '../http/fetch.js';
import type { Logger } from '../log.js';
import { openStore } from '../store/open-store.js';
import { stateDirectory } from '../store/paths.js';
import type { Config } from './program.js';

export async function openBrowser(url: string): Promise<void> {
  const { default: open } = await import('open');
  const child = await open(url, { wait: false });
  child.on('error', () => undefined);
}

export function createSession(config: Config, log: Logger, env: NodeJS.ProcessEnv, fetch: ReturnType<typeof createFetch>) {
  const stateDir = stateDirectory(env);
  const store = openStore(config.tokenStore, stateDir, log);
  const staticClient = config.staticClientInfo === undefined ? undefined : parseStaticClientInfo(config.staticClientInfo);
  // Start reading stored credentials now: the keychain answers while the rest of the program loads.
  const stored = loadStoredSignIn(config.serverUrl, stateDir, store, staticClient?.client_id);
  return fetch.then(
    (resolvedFetch) =>
      new OAuthSession(
        {
          serverUrl: config.serverUrl,
          stateDir,
          store,
          fetch: resolvedFetch,
          log,
          allowHttp: config.allowHttp,
          ...(staticClient ? { staticClient } : {}),
          clientMetadata: config.staticClientMetadata,
          callback: { host: config.host, path: config.callbackPath, ...(config.callbackPort === undefined ? {} : { port: config.callbackPort }) },
          authTimeoutMs: config.authTimeoutMs,
          ...(config.scope ? { scope: config.scope } : {}),
          ...(config.resource ? { resource: config.resource } : {}),
          disableResource: config.disableResource,
          authorizeParams: config.authorizeParams,
          assumePkce: config.assumePkce,
          useIdToken: config.useIdToken,
          openBrowser,
        },
        stored,
      ),
  );
}

export async function runProxy(config: Config, log: Logger, env: NodeJS.ProcessEnv): Promise<void> {
  const fetch = createFetch(env);
  const sessionReady = createSession(config, log, env, fetch);
  const [{ StreamableHTTPClientTransport }, session, baseFetch] = await Promise.all([import('@modelcontextprotocol/client'), sessionReady, fetch]);
  const transport = new StreamableHTTPClientTransport(config.serverUrl, {
    authProvider: session,
    fetch: session.wrapFetch(baseFetch),
    requestInit: { headers: config.headers },
  });
  const bridge = new Bridge({ transport, input: process.stdin, output: process.stdout, log });
  const stop = (): void => {
    void bridge.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await bridge.run();
}
