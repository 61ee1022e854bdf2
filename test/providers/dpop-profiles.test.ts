// DPoP (RFC 9449) for a machine client against every profile whose MCP server wants bound tokens: bound where the real
// provider issues them (Okta, Auth0, Keycloak); a coded error before any token where it does not (Cognito, Entra ID).
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { MACHINE_CLIENT_ID, MACHINE_PROFILES, MACHINE_SETUPS, jwtClaims } from '../fixtures/profile-flows.js';
import type { ProfileName } from '../fixtures/provider-profiles.js';
import { refusedCall, signins, startIde, text, workspace } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';
import { keychainRecord } from '../helpers/secrets.js';

const { stackWith, defer } = perTest();

const SECRET = 'reporting-bot-secret-value';
/** The providers whose documents list DPoP (dpop_signing_alg_values_supported); the others publish nothing about it. */
const OFFERS_DPOP: Record<Exclude<ProfileName, 'github'>, boolean> = { default: true, okta: true, auth0: true, keycloak: true, cognito: false, entra: false };

describe('DPoP-bound tokens for a machine client against every profile', () => {
  for (const [profile, setup] of MACHINE_PROFILES) {
    const offers = OFFERS_DPOP[profile];
    it(`${profile}: ${offers ? 'the token is bound to the key in the keychain' : 'no DPoP at the provider: a coded error naming it'}`, async () => {
      const stack = await stackWith({
        profile,
        dpop: 'required',
        clientCredentials: true,
        clientAuthMethods: setup.authMethods,
        clients: [
          {
            client_id: MACHINE_CLIENT_ID,
            client_secret: SECRET,
            token_endpoint_auth_method: setup.authMethods.includes('client_secret_basic') ? 'client_secret_basic' : 'client_secret_post',
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
            ...(setup.clientScope ? { scope: setup.clientScope } : {}),
          },
        ],
        ...(offers ? {} : { editMetadata: ({ dpop_signing_alg_values_supported: _dpop, ...rest }) => rest }),
        ...setup.stack,
      });
      const ws = workspace({ BROWSER: '/bin/false' });
      const args = ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: MACHINE_CLIENT_ID, client_secret: SECRET }), ...setup.args(stack.mcp.url)];
      if (!offers) {
        const { told, stderr } = await refusedCall(stack.mcp.url, ws, { args });
        expect(told).toContain('TETHER_DPOP_UNAVAILABLE');
        expect(told).toContain('offers no DPoP');
        expect(stderr).not.toContain('Signed in');
        expect(stack.as.counts.clientCredentialsGrants).toBe(0);
        return;
      }
      const ide = await startIde(stack.mcp.url, ws, { args });
      defer(() => ide.close());
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(MACHINE_CLIENT_ID);
      expect(stack.mcp.dpopStats.lastRefusal).toBeUndefined();
      const record = keychainRecord(ws.home, stack.mcp.url);
      const { d: _private, ...publicJwk } = record?.dpop_key?.jwk ?? { kty: 'EC' };
      const thumbprint = await calculateJwkThumbprint(publicJwk as Parameters<typeof calculateJwkThumbprint>[0]);
      expect((jwtClaims(record?.tokens?.access_token) as { cnf?: { jkt?: string } } | undefined)?.cnf?.jkt).toBe(thumbprint);
      expect(signins(ws)).toHaveLength(0);
    });
  }

  it('--no-dpop sends Bearer tokens even to a server that asks for bound ones: it refuses them, coded, with what to check', async () => {
    const setup = MACHINE_SETUPS.default;
    const stack = await stackWith({
      dpop: 'required',
      clientCredentials: true,
      clientAuthMethods: setup.authMethods,
      clients: [{ client_id: MACHINE_CLIENT_ID, client_secret: SECRET, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] }],
    });
    const ws = workspace({ BROWSER: '/bin/false' });
    const args = ['--client-credentials', '--no-dpop', '--static-oauth-client-info', JSON.stringify({ client_id: MACHINE_CLIENT_ID, client_secret: SECRET })];
    const { told } = await refusedCall(stack.mcp.url, ws, { args });
    expect(told).toContain('TETHER_CREDENTIALS_REFUSED');
    expect(stack.as.counts.clientCredentialsGrants).toBeGreaterThanOrEqual(1);
    expect(stack.mcp.dpopStats.proofsAccepted).toBe(0);
    expect(keychainRecord(ws.home, stack.mcp.url)?.dpop_key).toBeUndefined();
  });
});
