// Okta profile: custom authorization server at /oauth2/default with metadata only appended to the issuer, DCR that
// needs an API token (anonymous registration refused), a static public client, `cid` in access tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appended, failedStart, getJson, inserted, jwtClaims, restartAndRefresh, signInAndCallWhoami, storedTokens } from '../fixtures/profile-flows.js';
import { expireStoredTokens } from '../helpers/secrets.js';
import { startStack, type Stack } from '../fixtures/stack.js';
import { workspace, type Workspace } from '../helpers/ide.js';
import { freePort } from '../helpers/net.js';

const CLIENT_ID = '0oa7tetherNativeApp5d7';
const TTL = 4;

describe('Okta', () => {
  let stack: Stack;
  let ws: Workspace;
  let args: string[];

  beforeAll(async () => {
    const port = await freePort();
    const redirectUri = `http://localhost:${port}/oauth/callback`;
    stack = await startStack({
      profile: 'okta',
      accessTokenTtl: TTL,
      clients: [
        {
          client_id: CLIENT_ID,
          application_type: 'native',
          redirect_uris: [redirectUri],
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
    });
    ws = workspace();
    args = [String(port), '--static-oauth-client-info', JSON.stringify({ client_id: CLIENT_ID, redirect_uris: [redirectUri] })];
  });
  afterAll(async () => {
    await stack.close();
  });

  it('serves metadata appended to the /oauth2/default issuer only, and refuses anonymous registration', async () => {
    expect(new URL(stack.as.issuer).pathname).toBe('/oauth2/default');
    for (const suffix of ['oauth-authorization-server', 'openid-configuration']) {
      const { status, body } = await getJson(appended(stack.as.issuer, suffix));
      expect(status).toBe(200);
      expect(body?.['issuer']).toBe(stack.as.issuer);
      expect(body?.['code_challenge_methods_supported']).toContain('S256');
      expect(await getJson(inserted(stack.as.issuer, suffix))).toMatchObject({ status: 404 });
    }
    const { body } = await getJson(appended(stack.as.issuer, 'openid-configuration'));
    const registration = String(body?.['registration_endpoint']);
    expect(new URL(registration).pathname).toBe('/oauth2/v1/clients');
    const anonymous = await fetch(registration, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://localhost:1/cb'], token_endpoint_auth_method: 'none', application_type: 'native' }),
    });
    expect(anonymous.status).toBeGreaterThanOrEqual(400);
    expect(stack.as.counts.registrations).toBe(0);
  });

  it('without a static client, the CLI stops with a hint to register one', async () => {
    const output = await failedStart(stack, workspace(), []);
    expect(output).toContain('static-oauth-client-info');
    expect(stack.as.counts.authorizationRequests).toBe(0);
  });

  it('signs in with the static public client; the access token names it in cid', async () => {
    await signInAndCallWhoami(stack, ws, args);
    const access = jwtClaims(storedTokens(ws, stack.mcp.url).access);
    expect(access?.['cid']).toBe(CLIENT_ID);
    expect(access?.['aud']).toBe(stack.mcp.url);
  });

  it('once the stored access token is past its expiry, a new process refreshes without a browser (rotated refresh token)', async () => {
    const before = storedTokens(ws, stack.mcp.url);
    expireStoredTokens(ws.home, stack.mcp.url);
    await restartAndRefresh(stack, ws, args);
    expect(storedTokens(ws, stack.mcp.url).refresh).not.toBe(before.refresh);
  });
});
