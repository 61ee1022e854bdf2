// Every grant Glewlwyd 2.7 has (Debian's package; a real authorization server that is not oidc-provider), through its
// own login app: it lists only secret client methods and serves its metadata only under the issuer's path.
import { spawn } from 'node:child_process';
import { calculateJwkThumbprint } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGlewlwyd, type Glewlwyd } from '../fixtures/glewlwyd.js';
import { startMcpServer, type McpServerHandle } from '../fixtures/mcp-server.js';
import { appended, getJson, inserted, jwtClaims, storedTokens } from '../fixtures/profile-flows.js';
import { BROWSER, refusedCall, signins, startIde, text, waitForSignins, workspace, type Workspace } from '../helpers/ide.js';
import { expireStoredTokens, keychainRecord, stateDirOf } from '../helpers/secrets.js';
import { freePort } from '../helpers/net.js';
import { readServerState } from '../../src/store/server-state.js';

const TTL = 60;
const MACHINE_ID = 'reporting-bot';
const MACHINE_SECRET = 'reporting-bot-secret-value';
const DEVICE_ID = 'terminal';

describe('Glewlwyd', () => {
  let glewlwyd: Glewlwyd;
  let mcp: McpServerHandle;
  let dpopMcp: McpServerHandle;
  let ws: Workspace;
  let callbackPort: number;
  let aliceSubject = '';

  beforeAll(async () => {
    let issuer = '';
    mcp = await startMcpServer({ issuer: () => issuer, jwksUri: () => `${issuer}/jwks`, scopesSupported: ['mcp'] });
    dpopMcp = await startMcpServer({ issuer: () => issuer, jwksUri: () => `${issuer}/jwks`, scopesSupported: ['mcp'], dpop: 'required' });
    glewlwyd = await startGlewlwyd({ resources: [mcp.url, dpopMcp.url], accessTokenTtl: TTL, users: ['alice', 'bob'] });
    issuer = glewlwyd.issuer;
    // A machine client, as an administrator registers one in Glewlwyd's admin app.
    await glewlwyd.admin('POST', '/client/', {
      client_id: MACHINE_ID,
      name: 'Reporting bot',
      enabled: true,
      confidential: true,
      client_secret: MACHINE_SECRET,
      token_endpoint_auth_method: ['client_secret_basic'],
      authorization_type: ['client_credentials'],
      scope: ['mcp'],
      redirect_uri: [],
    });
    // Its registration endpoint refuses the device grant's registered name (it wants its own 'device_authorization'),
    // so a device client is registered by the administrator.
    await glewlwyd.admin('POST', '/client/', {
      client_id: DEVICE_ID,
      name: 'Terminal',
      enabled: true,
      confidential: false,
      authorization_type: ['device_authorization', 'refresh_token'],
      redirect_uri: [],
    });
    ws = workspace();
    callbackPort = await freePort();
  });
  afterAll(async () => {
    await Promise.allSettled([glewlwyd?.close(), mcp?.close(), dpopMcp?.close()]);
  });

  it('publishes what makes it different: secret methods only, metadata under the issuer path', async () => {
    const { status, body } = await getJson(appended(glewlwyd.issuer, 'openid-configuration'));
    expect(status).toBe(200);
    expect(body?.['token_endpoint_auth_methods_supported']).toEqual(['client_secret_basic', 'client_secret_post']);
    expect(body?.['grant_types_supported']).not.toContain('refresh_token');
    expect(body?.['code_challenge_methods_supported']).toEqual(['S256']);
    expect((await getJson(inserted(glewlwyd.issuer, 'oauth-authorization-server'))).status).toBe(404);
  });

  it('signs in with no configuration: registers with a secret method it lists, then its login app and grant page', async () => {
    const ide = await startIde(mcp.url, ws, { args: [String(callbackPort)] });
    let subject: string;
    try {
      subject = text(await ide.client.callTool({ name: 'whoami', arguments: {} }));
    } finally {
      await ide.close();
    }
    const pages = await waitForSignins(ws, 1);
    expect(pages.at(-1)?.text).toContain('Signed in');
    const state = readServerState(stateDirOf(ws.home), mcp.url);
    expect(state?.client.token_endpoint_auth_method).toBe('client_secret_basic');
    const access = jwtClaims(storedTokens(ws, mcp.url).access);
    expect(access?.['aud']).toBe(mcp.url);
    expect(access?.['iss']).toBe(glewlwyd.issuer);
    // Glewlwyd names people by an opaque subject; the server saw the one the token carries.
    expect(subject).toBe(access?.['sub']);
    aliceSubject = subject;
  });

  it('once the access token is past its expiry, a new process refreshes without a browser', async () => {
    const before = storedTokens(ws, mcp.url);
    const accessTokens = glewlwyd.events(/Access token generated for client/);
    expireStoredTokens(ws.home, mcp.url);
    const ide = await startIde(mcp.url, ws, { args: [String(callbackPort)] });
    try {
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(aliceSubject);
      expect(ide.stderr()).not.toContain('Sign-in required');
    } finally {
      await ide.close();
    }
    expect(signins(ws)).toHaveLength(1);
    const after = storedTokens(ws, mcp.url);
    expect(after.access).not.toBe(before.access);
    expect(glewlwyd.events(/Access token generated for client/)).toBe(accessTokens + 1);
    expect(glewlwyd.events(/Refresh token generated for client/)).toBe(1);
  });

  it('binds tokens to a DPoP key in the keychain when the MCP server asks for it, and refreshes with the same key', async () => {
    const dpopWs = workspace();
    const ide = await startIde(dpopMcp.url, dpopWs, { args: [String(callbackPort)] });
    try {
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(aliceSubject);
    } finally {
      await ide.close();
    }
    expect(dpopMcp.dpopStats.lastRefusal).toBeUndefined();
    expect(dpopMcp.dpopStats.proofsAccepted).toBeGreaterThanOrEqual(2);
    const record = keychainRecord(dpopWs.home, dpopMcp.url);
    expect(record?.tokens?.token_type.toLowerCase()).toBe('dpop');
    const { d: _private, ...publicJwk } = record?.dpop_key?.jwk ?? { kty: 'EC' };
    const thumbprint = await calculateJwkThumbprint(publicJwk as Parameters<typeof calculateJwkThumbprint>[0]);
    expect((jwtClaims(record?.tokens?.access_token) as { cnf?: { jkt?: string } } | undefined)?.cnf?.jkt).toBe(thumbprint);

    expireStoredTokens(dpopWs.home, dpopMcp.url);
    const again = await startIde(dpopMcp.url, dpopWs, { args: [String(callbackPort)] });
    try {
      await again.client.callTool({ name: 'whoami', arguments: {} });
      expect(again.stderr()).not.toContain('Sign-in required');
    } finally {
      await again.close();
    }
    expect(signins(dpopWs)).toHaveLength(1);
    const refreshed = keychainRecord(dpopWs.home, dpopMcp.url);
    expect(refreshed?.tokens?.access_token).not.toBe(record?.tokens?.access_token);
    expect((jwtClaims(refreshed?.tokens?.access_token) as { cnf?: { jkt?: string } } | undefined)?.cnf?.jkt).toBe(thumbprint);
    expect(dpopMcp.dpopStats.lastRefusal).toBeUndefined();
  });

  it('--client-credentials with client_secret_basic: a token with no browser', async () => {
    const machine = workspace({ BROWSER: '/bin/false' });
    const args = ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: MACHINE_ID, client_secret: MACHINE_SECRET })];
    const ide = await startIde(mcp.url, machine, { args });
    try {
      const caller = text(await ide.client.callTool({ name: 'whoami', arguments: {} }));
      const access = jwtClaims(storedTokens(machine, mcp.url).access);
      expect(access?.['client_id'], ide.stderr()).toBe(MACHINE_ID);
      expect(access?.['aud']).toBe(mcp.url);
      expect(caller).toBe(access?.['sub']);
      expect(ide.stderr()).not.toContain(MACHINE_SECRET);
    } finally {
      await ide.close();
    }
    expect(signins(machine)).toHaveLength(0);
    expect(glewlwyd.events(new RegExp(`Access token generated for client '${MACHINE_ID}'`))).toBe(1);
  });

  it('a wrong client secret is a coded error that names the client, not a browser sign-in', async () => {
    const machine = workspace({ BROWSER: '/bin/false' });
    const args = ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: MACHINE_ID, client_secret: 'not-the-secret' })];
    const { told, stderr } = await refusedCall(mcp.url, machine, { args });
    expect(told).toContain('TETHER_CLIENT_REJECTED');
    expect(told).toContain('--static-oauth-client-info');
    expect(stderr).toContain(MACHINE_ID);
    expect(stderr).not.toContain('not-the-secret');
    expect(signins(machine)).toHaveLength(0);
  });

  it('--device-code: the code typed into its login app on another device signs the user in', async () => {
    const device = workspace({ BROWSER: '/bin/false' });
    let started = false;
    const userAtAnotherDevice = (stderr: string): void => {
      const match = /open (\S+) and enter the code (\S+?)[.\s]/.exec(stderr);
      if (started || !match?.[1] || !match[2]) return;
      started = true;
      const env = { PATH: process.env.PATH ?? '', HOME: device.home, SIGNIN_LOG: device.signinLog, SIGNIN_MODE: 'device', SIGNIN_USER: 'bob' };
      spawn(process.execPath, [BROWSER, match[1], match[2]], { env, stdio: 'ignore' }).unref();
    };
    const ide = await startIde(mcp.url, device, { args: ['--device-code', '--static-oauth-client-info', JSON.stringify({ client_id: DEVICE_ID })], onStderr: userAtAnotherDevice });
    try {
      const result = await ide.client.callTool({ name: 'whoami', arguments: {} }, { timeout: 45_000 }).catch((error: unknown) => {
        throw new Error(`${String(error)}\nmcp-tether stderr:\n${ide.stderr()}`);
      });
      const access = jwtClaims(storedTokens(device, mcp.url).access);
      expect(text(result)).toBe(access?.['sub']);
      expect(text(result)).not.toBe(aliceSubject);
    } finally {
      await ide.close();
    }
    const pages = await waitForSignins(device, 1);
    expect(pages.at(-1)?.kind).toBe('device');
    expect(pages.at(-1)?.text).toContain('Authorization complete');
  });

  it('--device-code with no client: its registration refuses the device grant; the IDE is told what to register', async () => {
    const device = workspace({ BROWSER: '/bin/false' });
    const { told, stderr } = await refusedCall(mcp.url, device, { args: ['--device-code'] });
    expect(told).toContain('TETHER_REGISTRATION_FAILED');
    expect(told).toContain("'device_authorization'");
    expect(told + stderr).toContain('device authorization grant, and pass it with --static-oauth-client-info');
    expect(signins(device)).toHaveLength(0);
  });
});
