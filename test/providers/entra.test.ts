// Microsoft Entra ID profile: /<tenant>/v2.0 issuer with OIDC discovery only (no PKCE advert, no DCR), `resource`
// rejected (AADSTS9010010), audience through `<resource>/.default`, public client, loopback port not part of the match.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRA_TENANT } from '../fixtures/provider-profiles.js';
import { appended, failedStart, getJson, inserted, jwtClaims, restartAndRefresh, signInAndCallWhoami, storedTokens } from '../fixtures/profile-flows.js';
import { expireStoredTokens } from '../helpers/secrets.js';
import { startStack, type Stack } from '../fixtures/stack.js';
import { workspace, type Workspace } from '../helpers/ide.js';

const CLIENT_ID = '8d2f4c1a-5b3e-4f7a-9c6d-0e1f2a3b4c5d';
const TTL = 4;

describe('Microsoft Entra ID', () => {
  let stack: Stack;
  let ws: Workspace;
  let args: string[];

  beforeAll(async () => {
    stack = await startStack({
      profile: 'entra',
      accessTokenTtl: TTL,
      clients: [
        {
          // "Mobile and desktop applications" platform: http://127.0.0.1 with any port.
          client_id: CLIENT_ID,
          application_type: 'native',
          redirect_uris: ['http://127.0.0.1/oauth/callback'],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
    });
    ws = workspace();
    // No callback port: Entra ignores the loopback port, so a free one is fine.
    args = [
      '--static-oauth-client-info',
      JSON.stringify({ client_id: CLIENT_ID }),
      '--host',
      '127.0.0.1',
      '--disable-resource-parameter',
      '--assume-pkce-s256',
      '--scope',
      `${stack.mcp.url}/.default openid profile offline_access`,
    ];
  });
  afterAll(async () => {
    await stack.close();
  });

  it('publishes only OIDC discovery appended to the /<tenant>/v2.0 issuer, without PKCE methods or registration', async () => {
    expect(new URL(stack.as.issuer).pathname).toBe(`/${ENTRA_TENANT}/v2.0`);
    const { status, body } = await getJson(appended(stack.as.issuer, 'openid-configuration'));
    expect(status).toBe(200);
    expect(body?.['issuer']).toBe(stack.as.issuer);
    expect(body).not.toHaveProperty('code_challenge_methods_supported');
    expect(body).not.toHaveProperty('registration_endpoint');
    expect(new URL(String(body?.['token_endpoint'])).pathname).toBe(`/${ENTRA_TENANT}/oauth2/v2.0/token`);
    for (const url of [
      appended(stack.as.issuer, 'oauth-authorization-server'),
      inserted(stack.as.issuer, 'oauth-authorization-server'),
      inserted(stack.as.issuer, 'openid-configuration'),
    ]) {
      expect((await getJson(url)).status).toBe(404);
    }
  });

  it('rejects the resource parameter with AADSTS9010010 (why the recipe passes --disable-resource-parameter)', async () => {
    const output = await failedStart(stack, workspace(), args.filter((arg) => arg !== '--disable-resource-parameter'));
    expect(output).toContain('AADSTS9010010');
    expect(stack.as.counts.codeGrants).toBe(0);
  });

  it('signs in on a free 127.0.0.1 port; the audience comes from the .default scope', async () => {
    await signInAndCallWhoami(stack, ws, args);
    const access = jwtClaims(storedTokens(ws, stack.mcp.url).access);
    expect(access?.['aud']).toBe(stack.mcp.url);
    expect(access?.['azp']).toBe(CLIENT_ID);
  });

  it('once the stored access token is past its expiry, a new process refreshes without a browser', async () => {
    expireStoredTokens(ws.home, stack.mcp.url);
    await restartAndRefresh(stack, ws, args);
  });
});
