// The user's ID token at the company's identity provider, for enterprise-managed authorization: the one an SSO agent
// keeps (--enterprise-id-token), else mcp-tether's own sign-in there, kept in one credential-store entry that every
// MCP server of the company shares (one browser sign-in for all of them), refreshed while it can be.
import * as oidc from 'openid-client';
import { hasCode, messageOf, TetherError } from '../errors.js';
import { serverLockPath, withLock } from '../coordination/lock.js';
import type { SecretRecord } from '../store/secret-store.js';
import { readIdentityProviderSignIn, saveIdentityProviderSignIn } from '../store/sign-in-record.js';
import { readAssertion } from './assertion.js';
import { signInWithBrowser } from './browser-flow.js';
import { CallbackListener } from './callback-server.js';
import { identityProviderConfiguration } from './enterprise.js';
import { registeredRedirect } from './registration.js';
import type { AuthSettings, EnterpriseIdp } from './settings.js';
import { toStoredTokens } from './tokens.js';

/** An ID token this close to its expiry is renewed before it is exchanged. */
const MARGIN_MS = 60_000;

type Settings = Pick<AuthSettings, 'fetch' | 'allowHttp' | 'log' | 'store' | 'stateDir' | 'authTimeoutMs' | 'callback' | 'openBrowser'>;

/** The credential-store entry of the sign-in at an identity provider: one per provider and client, for every server. */
export function identityProviderEntry(idp: Pick<EnterpriseIdp, 'issuer' | 'client'>): string {
  return `identity provider ${idp.issuer} as ${idp.client.client_id}`;
}

/** A fresh ID token for the exchange. `refused`: the identity provider refused the last one; it is not used again. */
export async function currentIdToken(settings: Settings, idp: EnterpriseIdp, refused?: string): Promise<string> {
  if (idp.idToken) return readAssertion(idp.idToken, process.env, 'ID token from your identity provider');
  const entry = identityProviderEntry(idp);
  return withLock(
    serverLockPath(settings.stateDir, entry),
    {
      timeoutMs: settings.authTimeoutMs + 30_000,
      onWait: (pid) => settings.log.info(`Another mcp-tether${pid ? ` (pid ${pid})` : ''} is signing you in at ${idp.issuer}; waiting for it.`),
    },
    async () => {
      const stored = (await readIdentityProviderSignIn(settings.store, entry))?.tokens;
      const idToken = stored?.id_token;
      if (idToken && idToken !== refused && (stored.id_token_expires_at ?? 0) - MARGIN_MS > Date.now()) return idToken;
      const { server, config } = await identityProviderConfiguration(settings, idp, (line) => settings.log.debug(`identity provider: ${line}`));
      let response: oidc.TokenEndpointResponse | undefined;
      if (stored?.refresh_token) {
        response = await oidc.refreshTokenGrant(config, stored.refresh_token).catch((error: unknown) => {
          settings.log.debug(`refreshing the sign-in at ${idp.issuer} failed (${messageOf(error)}); signing in again`);
          return undefined;
        });
      }
      response = response?.id_token ? response : await signInAtIdentityProvider(settings, idp, config, server.scopes_supported);
      if (!response.id_token) {
        throw new TetherError('TETHER_OAUTH_ERROR', `The identity provider ${idp.issuer} signed you in without an ID token.`, {
          hint: 'Enterprise-managed authorization needs an OpenID Connect identity provider; check --enterprise-idp.',
        });
      }
      const record: SecretRecord = { tokens: toStoredTokens(response, stored) };
      await saveIdentityProviderSignIn(settings.stateDir, settings.store, entry, record).catch((error: unknown) => {
        if (hasCode(error, 'TETHER_KEYCHAIN_LOCKED')) throw error;
        settings.log.always(`Could not keep the sign-in at ${idp.issuer} (${messageOf(error)}); it is used for this run only.`);
      });
      return response.id_token;
    },
  );
}

/** The authorization code flow with PKCE at the identity provider, for an ID token (and a refresh token where offered). */
async function signInAtIdentityProvider(settings: Settings, idp: EnterpriseIdp, config: oidc.Configuration, scopesSupported: string[] | undefined): Promise<oidc.TokenEndpointResponse> {
  const registered = registeredRedirect(idp.client.redirect_uris);
  const listener = await CallbackListener.start({
    host: registered?.hostname.replace(/^\[|\]$/g, '') ?? settings.callback.host,
    port: registered?.port ? Number(registered.port) : (settings.callback.port ?? 0),
    path: registered?.pathname ?? settings.callback.path,
  });
  try {
    const scope = idp.client.scope ?? ['openid', ...(scopesSupported?.includes('offline_access') ? ['offline_access'] : [])].join(' ');
    return await signInWithBrowser({
      config,
      listener,
      scope,
      extraParams: {},
      timeoutMs: settings.authTimeoutMs,
      serverUrl: new URL(idp.issuer),
      log: settings.log,
      openBrowser: settings.openBrowser,
    });
  } finally {
    await listener.close();
  }
}
