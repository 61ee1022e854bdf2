// Auth0 profile: issuer with a trailing slash, open DCR, the API chosen by the `audience` authorization parameter
// (no audience: an opaque token), `resource` not understood, refresh tokens not rotated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, jwtClaims, restartAndRefresh, signInAndCallWhoami, storedTokens } from '../fixtures/profile-flows.js';
import { expireStoredTokens } from '../helpers/secrets.js';
import { startStack, type Stack } from '../fixtures/stack.js';
import { workspace, type Workspace } from '../helpers/ide.js';

const TTL = 4;

describe('Auth0', () => {
  let stack: Stack;
  let ws: Workspace;
  let args: string[];

  beforeAll(async () => {
    stack = await startStack({ profile: 'auth0', accessTokenTtl: TTL });
    ws = workspace();
    args = ['--authorize-param', `audience=${stack.mcp.url}`];
  });
  afterAll(async () => {
    await stack.close();
  });

  it('publishes OIDC discovery with a trailing-slash issuer and an open registration endpoint', async () => {
    expect(stack.as.issuer.endsWith('/')).toBe(true);
    const { status, body } = await getJson(`${stack.as.issuer}.well-known/openid-configuration`);
    expect(status).toBe(200);
    expect(body?.['issuer']).toBe(stack.as.issuer);
    expect(new URL(String(body?.['registration_endpoint'])).pathname).toBe('/oidc/register');
    expect(new URL(String(body?.['token_endpoint'])).pathname).toBe('/oauth/token');
  });

  it('registers dynamically and signs in; the audience parameter makes the token a JWT for the MCP server', async () => {
    await signInAndCallWhoami(stack, ws, args);
    expect(stack.as.counts.registrations).toBe(1);
    const access = jwtClaims(storedTokens(ws, stack.mcp.url).access);
    expect(access?.['aud']).toEqual([stack.mcp.url, `${stack.as.issuer}userinfo`]);
  });

  it('once the stored access token is past its expiry, a new process refreshes without a browser and keeps the unrotated refresh token', async () => {
    const before = storedTokens(ws, stack.mcp.url);
    expireStoredTokens(ws.home, stack.mcp.url);
    await restartAndRefresh(stack, ws, args);
    expect(storedTokens(ws, stack.mcp.url).refresh).toBe(before.refresh);
    expect(stack.as.counts.registrations).toBe(1);
  });
});
