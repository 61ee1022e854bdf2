// Keycloak profile: issuer /realms/<realm>, anonymous DCR refused by the "Trusted Hosts" policy, `resource` not
// understood (the audience comes from a mapper), a static public client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYCLOAK_REALM } from '../fixtures/provider-profiles.js';
import { appended, failedStart, getJson, inserted, jwtClaims, restartAndRefresh, signInAndCallWhoami, storedTokens } from '../fixtures/profile-flows.js';
import { expireStoredTokens } from '../helpers/secrets.js';
import { startStack, type Stack } from '../fixtures/stack.js';
import { workspace, type Workspace } from '../helpers/ide.js';
import { freePort } from '../helpers/net.js';

const CLIENT_ID = 'mcp-tether';
const TTL = 4;

describe('Keycloak', () => {
  let stack: Stack;
  let ws: Workspace;
  let args: string[];

  beforeAll(async () => {
    const port = await freePort();
    const redirectUri = `http://localhost:${port}/oauth/callback`;
    stack = await startStack({
      profile: 'keycloak',
      accessTokenTtl: TTL,
      clients: [
        {
          client_id: CLIENT_ID,
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

  it('serves metadata under /realms/<realm> and refuses anonymous registration', async () => {
    expect(new URL(stack.as.issuer).pathname).toBe(`/realms/${KEYCLOAK_REALM}`);
    const { status, body } = await getJson(appended(stack.as.issuer, 'openid-configuration'));
    expect(status).toBe(200);
    expect(body?.['issuer']).toBe(stack.as.issuer);
    expect((await getJson(inserted(stack.as.issuer, 'oauth-authorization-server'))).status).toBe(404);
    const anonymous = await fetch(String(body?.['registration_endpoint']), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['http://localhost:1/cb'], token_endpoint_auth_method: 'none' }),
    });
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain('Trusted Hosts');
  });

  it('without a static client, the CLI stops and says why', async () => {
    const output = await failedStart(stack, workspace(), []);
    expect(output).toContain('Trusted Hosts');
    expect(output).toContain('static-oauth-client-info');
  });

  it('signs in with the static public client; the audience mapper, not `resource`, sets aud', async () => {
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
