// GitHub-like profile: issuer <origin>/login/oauth with only the RFC 8414 path-inserted document, no DCR, PKCE S256,
// no OpenID Connect (no ID token), a static client authenticating with client_secret_post.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appended, getJson, inserted, jwtClaims, restartAndRefresh, signInAndCallWhoami, storedTokens } from '../fixtures/profile-flows.js';
import { expireStoredTokens } from '../helpers/secrets.js';
import { startStack, type Stack } from '../fixtures/stack.js';
import { workspace, type Workspace } from '../helpers/ide.js';
import { freePort } from '../helpers/net.js';

const CLIENT_ID = 'Iv23liTetherGitHubApp';
const CLIENT_SECRET = 'github-app-client-secret-for-tests';
const TTL = 4;

describe('GitHub-like', () => {
  let stack: Stack;
  let ws: Workspace;
  let args: string[];

  beforeAll(async () => {
    const port = await freePort();
    const redirectUri = `http://localhost:${port}/oauth/callback`;
    stack = await startStack({
      profile: 'github',
      accessTokenTtl: TTL,
      scopesSupported: ['read:user'],
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [redirectUri],
          token_endpoint_auth_method: 'client_secret_post',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
    });
    ws = workspace();
    args = [
      String(port),
      '--static-oauth-client-info',
      JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_post' }),
    ];
  });
  afterAll(async () => {
    await stack.close();
  });

  it('serves only the path-inserted RFC 8414 document', async () => {
    const { status, body } = await getJson(inserted(stack.as.issuer, 'oauth-authorization-server'));
    expect(status).toBe(200);
    expect(body?.['issuer']).toBe(stack.as.issuer);
    expect(body?.['code_challenge_methods_supported']).toEqual(['S256']);
    expect(body).not.toHaveProperty('registration_endpoint');
    expect(new URL(String(body?.['token_endpoint'])).pathname).toBe('/login/oauth/access_token');
    for (const url of [
      inserted(stack.as.issuer, 'openid-configuration'),
      appended(stack.as.issuer, 'openid-configuration'),
      appended(stack.as.issuer, 'oauth-authorization-server'),
      `${new URL(stack.as.issuer).origin}/.well-known/openid-configuration`,
      `${new URL(stack.as.issuer).origin}/.well-known/oauth-authorization-server`,
    ]) {
      expect((await getJson(url)).status).toBe(404);
    }
  });

  it('signs in with the static client (client_secret_post), no ID token', async () => {
    await signInAndCallWhoami(stack, ws, args);
    const tokens = storedTokens(ws, stack.mcp.url);
    expect(tokens.id).toBeUndefined();
    expect(jwtClaims(tokens.access)?.['aud']).toBe(stack.mcp.url);
  });

  it('once the stored access token is past its expiry, a new process refreshes without a browser', async () => {
    expireStoredTokens(ws.home, stack.mcp.url);
    await restartAndRefresh(stack, ws, args);
  });
});
