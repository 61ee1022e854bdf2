// The authorization code flow with PKCE (RFC 7636, S256) through the system browser and the loopback callback.
import * as oidc from 'openid-client';
import type { Logger } from '../log.js';
import type { CallbackListener } from './callback-server.js';
import { AuthError } from '../errors.js';
import { explainOAuthError, hintFor } from './oauth-errors.js';

/** What every sign-in with a user needs, whichever way the user is reached. */
export interface UserSignIn {
  config: oidc.Configuration;
  scope?: string;
  /** RFC 8707 resource indicator, sent on the authorization and token requests; undefined when disabled. */
  resource?: string;
  extraParams: Record<string, string>;
  timeoutMs: number;
  serverUrl: URL;
  log: Logger;
}

export interface BrowserSignIn extends UserSignIn {
  listener: CallbackListener;
  openBrowser: (url: string) => Promise<void>;
}

export async function signInWithBrowser(signIn: BrowserSignIn): Promise<oidc.TokenEndpointResponse> {
  const { config, listener, log } = signIn;
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const redirectUri = listener.redirectUri.href;
  const url = oidc.buildAuthorizationUrl(config, {
    ...signIn.extraParams,
    redirect_uri: redirectUri,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(signIn.scope ? { scope: signIn.scope } : {}),
    ...(signIn.resource ? { resource: signIn.resource } : {}),
  });

  let tokens: oidc.TokenEndpointResponse | undefined;
  const completed = listener.wait(
    state,
    async (callbackUrl) => {
      try {
        tokens = await oidc.authorizationCodeGrant(
          config,
          callbackUrl,
          { pkceCodeVerifier: verifier, expectedState: state },
          signIn.resource ? { resource: signIn.resource } : {},
        );
      } catch (error) {
        log.debug(() => `code exchange failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        throw explainOAuthError(error, 'Redeeming the authorization code', {
          redirectUri,
          clientId: config.clientMetadata().client_id,
          ...(signIn.scope ? { scope: signIn.scope } : {}),
        });
      }
    },
    (code, description) =>
      new AuthError(`The authorization server refused the sign-in: ${code}${description ? ` (${description})` : ''}.`, {
        hint:
          code === 'access_denied'
            ? 'Sign in again and approve the request.'
            : hintFor(code, description, { redirectUri, clientId: config.clientMetadata().client_id, ...(signIn.scope ? { scope: signIn.scope } : {}) }),
      }),
    signIn.timeoutMs,
  );

  log.always(`Sign-in required for ${signIn.serverUrl.href}. Opening your browser at:\n${url.href}\n(If no browser opens, open that URL yourself; mcp-tether waits on ${redirectUri}.)`);
  signIn.openBrowser(url.href).catch((error: unknown) => {
    log.always(`Could not open a browser (${error instanceof Error ? error.message : String(error)}). Open the URL above yourself.`);
  });
  await completed;
  return tokens as oidc.TokenEndpointResponse;
}
