// The authorization code flow with PKCE (RFC 7636, S256) through the system browser and the loopback callback.
import * as oidc from 'openid-client';
import type { Logger } from '../log.js';
import type { CallbackListener } from './callback-server.js';
import { TetherError } from '../errors.js';
import { explainOAuthError, oauthFailure } from './oauth-errors.js';
import { accountOf } from './tokens.js';

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
  /** The DPoP proof for the token request (RFC 9449 section 5), when the tokens are to be bound to a key. */
  DPoP?: oidc.DPoPHandle;
}

export interface BrowserSignIn extends UserSignIn {
  /** --auth-success-url: where the browser goes after a successful sign-in, instead of mcp-tether's page. */
  successUrl?: string;
  listener: CallbackListener;
  openBrowser: (url: string) => Promise<void>;
}

/** Who signed in, in words the user recognises: from the ID token, else from a JWT access token (display only). */

/** What the browser says once the code is redeemed: the server, the account, and what happens next. */
export function signedInPage(serverUrl: URL, account: string | undefined): string {
  return (
    `mcp-tether signed you in to ${serverUrl.href}${account ? ` as ${account}` : ''}; the tokens are stored and refreshed automatically.\n` +
    'Your IDE can use the server now. If it shows none of its tools, restart the server in the IDE. You can close this tab.'
  );
}

/** While the user signs in: one line saying what mcp-tether waits for and how long, then a reminder every 30 s. */
export function remindWhileWaiting(log: Logger, timeoutMs: number, what: string): () => void {
  const until = Date.now() + timeoutMs;
  const left = (): string => {
    const seconds = Math.max(0, Math.round((until - Date.now()) / 1000));
    return seconds >= 120 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
  };
  log.info(`Waiting up to ${left()} for ${what}.`);
  const timer = setInterval(() => log.info(`Still waiting for ${what} (${left()} left).`), REMINDER_MS);
  timer.unref();
  return () => clearInterval(timer);
}

const REMINDER_MS = 30_000;

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
        log.debug(`redeeming the authorization code at ${config.serverMetadata().token_endpoint ?? '(no token endpoint)'} with the PKCE verifier`);
        tokens = await oidc.authorizationCodeGrant(
          config,
          callbackUrl,
          { pkceCodeVerifier: verifier, expectedState: state },
          signIn.resource ? { resource: signIn.resource } : {},
          signIn.DPoP ? { DPoP: signIn.DPoP } : {},
        );
        return signedInPage(signIn.serverUrl, accountOf(tokens.access_token, tokens.id_token));
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
      oauthFailure(`The authorization server refused the sign-in: ${code}${description ? ` (${description})` : ''}.`, code, description, {
        redirectUri,
        clientId: config.clientMetadata().client_id,
        ...(signIn.scope ? { scope: signIn.scope } : {}),
      }),
    signIn.timeoutMs,
    signIn.successUrl,
  );

  log.always(`Sign-in required for ${signIn.serverUrl.href}. Opening your browser at:\n${url.href}\n(If no browser opens, open that URL yourself; mcp-tether waits on ${redirectUri}.)`);
  signIn.openBrowser(url.href).catch((error: unknown) => {
    log.always(`Could not open a browser (${error instanceof Error ? error.message : String(error)}). Open the URL above yourself.`);
  });
  const stopReminding = remindWhileWaiting(log, signIn.timeoutMs, `you to sign in at ${config.serverMetadata().issuer} in the browser`);
  try {
    await completed;
  } finally {
    stopReminding();
  }
  if (!tokens) throw new TetherError('TETHER_OAUTH_ERROR', 'The sign-in completed without tokens.');
  return tokens;
}
