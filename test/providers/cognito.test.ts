// Amazon Cognito profile: path issuer with OIDC discovery only, hosted login domain on another host, no PKCE advert,
// no DCR, a confidential client with an exact callback, aud-less access tokens (ID token as bearer), no RT rotation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COGNITO_CUSTOM_SCOPE, COGNITO_POOL } from '../fixtures/provider-profiles.js';
import { appended, failedStart, getJson, inserted, jwtClaims, restartAndRefresh, signInAndCallWhoami, storedTokens } from '../fixtures/profile-flows.js';
import { expireStoredTokens } from '../helpers/secrets.js';
import { startStack, type Stack } from '../fixtures/stack.js';
import { startIde, text, workspace, type Workspace } from '../helpers/ide.js';
import { freePort } from '../helpers/net.js';

const CLIENT_ID = '5tetherappclient0cognito';
const CLIENT_SECRET = 'cognito-app-client-secret-for-tests';
const ALLOWED_SCOPE = `openid profile email ${COGNITO_CUSTOM_SCOPE}`;
const POOL_SCOPES = ['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin', COGNITO_CUSTOM_SCOPE];
const TTL = 4;

describe('Amazon Cognito', () => {
  let stack: Stack;
  let ws: Workspace;
  let port: number;
  let args: string[];

  beforeAll(async () => {
    port = await freePort();
    const redirectUri = `http://localhost:${port}/oauth/callback`;
    stack = await startStack({
      profile: 'cognito',
      accessTokenTtl: TTL,
      // The gateway checks aud = the app client id: only the ID token passes.
      idTokenAudience: CLIENT_ID,
      // A gateway in front of Cognito may list the pool-wide scopes, more than the app client may ask for.
      scopesSupported: POOL_SCOPES,
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [redirectUri],
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: ALLOWED_SCOPE,
        },
      ],
    });
    ws = workspace();
    // What the Cognito recipe tells users to pass.
    args = [
      String(port),
      '--static-oauth-client-info',
      JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [redirectUri] }),
      '--assume-pkce-s256',
      '--scope',
      ALLOWED_SCOPE,
      '--use-id-token',
    ];
  });
  afterAll(async () => {
    await stack.close();
  });

  it('publishes OIDC discovery only under the pool, with hosted-UI endpoints on another host and no PKCE or DCR advert', async () => {
    expect(stack.as.issuer).toMatch(new RegExp(`/${COGNITO_POOL}$`));
    const { status, body } = await getJson(appended(stack.as.issuer, 'openid-configuration'));
    expect(status).toBe(200);
    expect(body?.['issuer']).toBe(stack.as.issuer);
    expect(body).not.toHaveProperty('code_challenge_methods_supported');
    expect(body).not.toHaveProperty('registration_endpoint');
    expect(body?.['scopes_supported']).toEqual(expect.arrayContaining(POOL_SCOPES));
    const issuerOrigin = new URL(stack.as.issuer).origin;
    for (const key of ['authorization_endpoint', 'token_endpoint']) {
      const endpoint = new URL(String(body?.[key]));
      expect(endpoint.origin).toBe(stack.as.loginOrigin);
      expect(endpoint.origin).not.toBe(issuerOrigin);
    }
    expect(new URL(String(body?.['authorization_endpoint'])).pathname).toBe('/oauth2/authorize');
    expect((await getJson(inserted(stack.as.issuer, 'oauth-authorization-server'))).status).toBe(404);
    expect((await getJson(inserted(stack.as.issuer, 'openid-configuration'))).status).toBe(404);
    expect((await getJson(appended(stack.as.issuer, 'oauth-authorization-server'))).status).toBe(404);
    // The issuer host does not serve the hosted UI.
    expect((await fetch(`${issuerOrigin}/oauth2/authorize`)).status).toBe(404);
  });

  it('is refused without --assume-pkce-s256, since the metadata does not advertise PKCE', async () => {
    const output = await failedStart(stack, workspace(), args.filter((arg) => arg !== '--assume-pkce-s256'));
    expect(output).toContain('--assume-pkce-s256');
    expect(stack.as.counts.authorizationRequests).toBe(0);
  });

  it('rejects a request for every pool scope with invalid_scope (why the recipe passes --scope)', async () => {
    const scopeAt = args.indexOf('--scope');
    const withoutScope = args.filter((_arg, i) => i !== scopeAt && i !== scopeAt + 1);
    const output = await failedStart(stack, workspace(), withoutScope);
    expect(output).toContain('invalid_scope');
    expect(stack.as.counts.codeGrants).toBe(0);
  });

  it('signs in with the confidential client through the hosted login domain; the ID token is the bearer', async () => {
    await signInAndCallWhoami(stack, ws, args);
    const tokens = storedTokens(ws, stack.mcp.url);
    const access = jwtClaims(tokens.access);
    expect(access?.['client_id']).toBe(CLIENT_ID);
    expect(access?.['token_use']).toBe('access');
    expect(access).not.toHaveProperty('aud');
    expect(jwtClaims(tokens.id)?.['aud']).toBe(CLIENT_ID);
    // The gateway refuses the access token itself.
    const refused = await fetch(stack.mcp.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.access ?? ''}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(refused.status).toBe(401);
  });

  it('once the stored tokens are past their expiry, a new process refreshes without a browser and keeps the unrotated refresh token', async () => {
    const before = storedTokens(ws, stack.mcp.url);
    expireStoredTokens(ws.home, stack.mcp.url);
    await restartAndRefresh(stack, ws, args);
    const after = storedTokens(ws, stack.mcp.url);
    expect(after.refresh).toBe(before.refresh);
    expect(after.id).not.toBe(before.id);
    expireStoredTokens(ws.home, stack.mcp.url);
    await restartAndRefresh(stack, ws, args);
  });
});

describe('Amazon Cognito, a machine client (--client-credentials)', () => {
  const MACHINE_ID = '7tethermachineclient0cognito';
  const MACHINE_SECRET = 'cognito-machine-client-secret-for-tests';

  it('gets a token for the custom scope with no browser, though Cognito advertises no PKCE (PKCE is for the browser flow only)', async () => {
    const stack = await startStack({
      profile: 'cognito',
      clientCredentials: true,
      // an AgentCore gateway with allowedClients: Cognito access tokens carry client_id and no aud
      allowedClients: [MACHINE_ID],
      clients: [
        {
          client_id: MACHINE_ID,
          client_secret: MACHINE_SECRET,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
          scope: COGNITO_CUSTOM_SCOPE,
        },
      ],
    });
    const ws = workspace({ BROWSER: '/bin/false' });
    try {
      const { body } = await getJson(appended(stack.as.issuer, 'openid-configuration'));
      expect(body).not.toHaveProperty('code_challenge_methods_supported');
      const ide = await startIde(stack.mcp.url, ws, {
        args: ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: MACHINE_ID, client_secret: MACHINE_SECRET }), '--scope', COGNITO_CUSTOM_SCOPE],
      });
      try {
        expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(MACHINE_ID);
        expect(stack.as.counts.clientCredentialsGrants).toBe(1);
        expect(stack.as.counts.authorizationRequests).toBe(0);
        expect(ide.stderr()).not.toContain('PKCE');
        expect(ide.stderr()).not.toContain(MACHINE_SECRET);
      } finally {
        await ide.close();
      }
    } finally {
      await stack.close();
    }
  });
});

