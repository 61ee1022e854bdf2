// Builds the OAuth session for a parsed command line: the credential store, the stored sign-in, and every setting a
// refresh or sign-in needs. Shared by the proxy, `login` and the detached sign-in worker.
import { loadClientKey } from '../auth/client-key.js';
import { OAuthSession } from '../auth/session.js';
import { parseStaticClientInfo } from '../auth/static-client.js';
import type { Fetch } from '../http/fetch.js';
import { signInFetch } from '../http/sign-in-fetch.js';
import type { Logger } from '../log.js';
import { openStore } from '../store/open-store.js';
import { stateDirectory } from '../store/paths.js';
import { loadSignIn } from '../store/sign-in-record.js';
import { openBrowser } from './open-browser.js';
import type { Config } from './program.js';

/** The OAuth session for a server; starts reading stored credentials at once, so the keychain answers early. */
export async function createSession(
  config: Config,
  log: Logger,
  env: NodeJS.ProcessEnv,
  fetch: Promise<Fetch>,
  extra: Pick<ConstructorParameters<typeof OAuthSession>[0], 'signInElsewhere'> = {},
): Promise<OAuthSession> {
  const stateDir = stateDirectory(env);
  const store = openStore(config.tokenStore, stateDir, log);
  const staticClient = config.staticClientInfo === undefined ? undefined : parseStaticClientInfo(config.staticClientInfo);
  const stored = loadSignIn(stateDir, config.serverUrl.href, store, staticClient?.client_id);
  const clientKey = config.signIn.clientKeyFile ? await loadClientKey(config.signIn.clientKeyFile) : undefined;
  return new OAuthSession(
    {
      ...config.signIn,
      serverUrl: config.serverUrl,
      stateDir,
      store,
      fetch: signInFetch(await fetch, { serverUrl: config.serverUrl, allowPrivate: config.signIn.allowPrivateAuthServer }),
      log,
      ...(staticClient ? { staticClient } : {}),
      ...(clientKey ? { clientKey } : {}),
      openBrowser: (url: string) => openBrowser(url, config.signIn.allowHttp),
      ...extra,
    },
    stored,
  );
}
