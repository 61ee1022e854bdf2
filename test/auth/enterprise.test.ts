// Enterprise-managed authorization (SEP-990) on real components: the company's identity provider (oidc-provider,
// exchanging ID tokens for ID-JAGs by RFC 8693) and two MCP servers whose authorization servers (oidc-provider) take
// those ID-JAGs as jwt-bearer grants. The CLI is spawned as an IDE spawns it; no browser opens anywhere.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAuthServer, type AuthServer } from '../fixtures/authorization-server.js';
import { signins, startIde, text, workspace, type Workspace } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';
import { Entry } from '@napi-rs/keyring';
import { identityProviderEntry } from '../../src/auth/enterprise-sign-in.js';
import { SERVICE, type SecretRecord } from '../../src/store/secret-store.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { filesContaining, keychainRecord } from '../helpers/secrets.js';

const { stackWith, defer } = perTest();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** The client mcp-tether is at each MCP server's authorization server, and at the identity provider. */
const AGENT = { client_id: 'mcp-agent', client_secret: 'agent-secret-value' };
const SSO_CLIENT = 'sso-agent';

async function identityProvider(redirectUri?: string): Promise<AuthServer> {
  const idp = await startAuthServer({
    resource: 'https://idp.invalid/unused',
    identityProvider: { clientAtResource: AGENT.client_id },
    clients: [
      redirectUri
        ? { client_id: SSO_CLIENT, token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE], response_types: ['code'], redirect_uris: [redirectUri] }
        : { client_id: SSO_CLIENT, token_endpoint_auth_method: 'none', grant_types: [TOKEN_EXCHANGE], response_types: [], redirect_uris: [] },
    ],
  });
  defer(() => idp.close());
  return idp;
}

/** The keychain entry of the sign-in at the identity provider, read with the keychain library itself. */
function identityProviderEntryValue(idp: AuthServer): string | undefined {
  return new Entry(SERVICE, identityProviderEntry({ issuer: idp.issuer, client: { client_id: SSO_CLIENT } }), { linux: { store: 'secret-service' } }).getPassword() ?? undefined;
}

const agentAt = { ...AGENT, token_endpoint_auth_method: 'client_secret_basic', grant_types: [JWT_BEARER], response_types: [], redirect_uris: [] };

function enterpriseArgs(idp: AuthServer, tokenFile: string): string[] {
  return [
    '--enterprise-idp', idp.issuer,
    '--enterprise-idp-client', JSON.stringify({ client_id: SSO_CLIENT }),
    '--enterprise-id-token', tokenFile,
    '--static-oauth-client-info', JSON.stringify(AGENT),
  ];
}

async function idTokenFile(ws: Workspace, idp: AuthServer, expiresInSeconds?: number): Promise<{ file: string; token: string }> {
  const token = await idp.idToken({ sub: 'alice', clientId: SSO_CLIENT, ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }) });
  const file = join(ws.home, 'id-token');
  writeFileSync(file, token, { mode: 0o600 });
  return { file, token };
}

describe('enterprise-managed authorization (ID-JAG)', () => {
  it('two MCP servers of one company, one ID token: each gets an ID-JAG for itself and tokens from its own authorization server, no browser', async () => {
    const idp = await identityProvider();
    const trust = (): { issuer: string; jwksUri: string } => ({ issuer: idp.issuer, jwksUri: idp.jwksUri });
    const first = await stackWith({ clients: [agentAt], clientAuthMethods: ['client_secret_basic'], trustIdJagsFrom: trust });
    const second = await stackWith({ clients: [agentAt], clientAuthMethods: ['client_secret_basic'], trustIdJagsFrom: trust });
    const ws = workspace();
    const { file, token } = await idTokenFile(ws, idp);
    const ides = await Promise.all([first, second].map((stack) => startIde(stack.mcp.url, ws, { args: [...enterpriseArgs(idp, file), '--debug'] })));
    defer(async () => {
      await Promise.all(ides.map((ide) => ide.close()));
    });
    for (const ide of ides) expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(AGENT.client_id);
    expect(idp.counts.idJagsIssued).toBe(2);
    expect(first.as.counts.idJagsAccepted).toBe(1);
    expect(second.as.counts.idJagsAccepted).toBe(1);
    // Each ID-JAG named its own server's authorization server and resource.
    const exchanges = idp.credentialRequests.filter((request) => request.path.endsWith('/token')).map((request) => new URLSearchParams(request.body));
    expect(exchanges.map((body) => body.get('audience')).sort()).toEqual([first.as.issuer, second.as.issuer].sort());
    expect(exchanges.map((body) => body.get('resource')).sort()).toEqual([first.mcp.url, second.mcp.url].sort());
    expect(exchanges.every((body) => body.get('subject_token') === token && body.get('requested_token_type') === 'urn:ietf:params:oauth:token-type:id-jag')).toBe(true);
    // The client secret went to the MCP servers' authorization servers only, never to the identity provider.
    expect(idp.credentialRequests.some((request) => request.body.includes(AGENT.client_secret) || request.authorization !== '')).toBe(false);
    expect(signins(ws)).toHaveLength(0);
    await Promise.all(ides.map((ide) => ide.close()));
    // The ID token is in its own file only; nothing mcp-tether wrote holds it, and --debug did not print it.
    expect(filesContaining(ws.home, [token]).map((path) => path.replace(ws.home, ''))).toEqual(['/id-token']);
    for (const ide of ides) expect(ide.stderr()).not.toContain(token);
  });

  it('renews by exchanging again when the access token expires, without a browser', async () => {
    const idp = await identityProvider();
    const stack = await stackWith({ accessTokenTtl: 3, clients: [agentAt], clientAuthMethods: ['client_secret_basic'], trustIdJagsFrom: () => ({ issuer: idp.issuer, jwksUri: idp.jwksUri }) });
    const ws = workspace();
    const { file } = await idTokenFile(ws, idp);
    const ide = await startIde(stack.mcp.url, ws, { args: enterpriseArgs(idp, file) });
    defer(() => ide.close());
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(AGENT.client_id);
    await sleep(3_500);
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(AGENT.client_id);
    expect(idp.counts.idJagsIssued).toBe(2);
    expect(stack.as.counts.idJagsAccepted).toBe(2);
    expect(signins(ws)).toHaveLength(0);
  });

  it('an expired ID token is refused by the identity provider: the IDE is told so, and the process keeps working once the SSO agent renews it', async () => {
    const idp = await identityProvider();
    const stack = await stackWith({ clients: [agentAt], clientAuthMethods: ['client_secret_basic'], trustIdJagsFrom: () => ({ issuer: idp.issuer, jwksUri: idp.jwksUri }) });
    const ws = workspace();
    const { file } = await idTokenFile(ws, idp, -60);
    let stderr = '';
    const started = await startIde(stack.mcp.url, ws, { args: enterpriseArgs(idp, file), onStderr: (text) => (stderr = text) }).then(
      async (ide) => {
        defer(() => ide.close());
        const told = await ide.client.callTool({ name: 'whoami', arguments: {} }).then(
          () => 'the call succeeded',
          (error: unknown) => String((error as { message?: unknown }).message),
        );
        return { ide, told };
      },
      (error: unknown) => ({ ide: undefined, told: String(error) }),
    );
    expect(started.told + stderr).toContain('Exchanging your ID token at the identity provider');
    expect(started.told + stderr).toContain('invalid_grant');
    expect(stderr).toContain(`The ID token in the file ${file} has expired`);
    expect(idp.counts.idJagsIssued).toBe(0);
    expect(signins(ws)).toHaveLength(0);
    if (started.ide) {
      await idTokenFile(ws, idp); // the SSO agent writes a fresh ID token
      expect(text(await started.ide.client.callTool({ name: 'whoami', arguments: {} })), stderr).toBe(AGENT.client_id);
    }
  });

  it('without an SSO agent: one browser sign-in at the identity provider serves every MCP server of the company', async () => {
    const redirect = `http://localhost:${await freePort()}/oauth/callback`;
    const idp = await identityProvider(redirect);
    const trust = (): { issuer: string; jwksUri: string } => ({ issuer: idp.issuer, jwksUri: idp.jwksUri });
    const stacks = await Promise.all([1, 2, 3].map(() => stackWith({ clients: [agentAt], clientAuthMethods: ['client_secret_basic'], trustIdJagsFrom: trust })));
    const ws = workspace();
    const args = ['--enterprise-idp', idp.issuer, '--enterprise-idp-client', JSON.stringify({ client_id: SSO_CLIENT, redirect_uris: [redirect] }), '--static-oauth-client-info', JSON.stringify(AGENT)];
    // Two servers start together (an IDE starting its configured servers): one waits for the other's sign-in.
    const ides = await Promise.all(stacks.slice(0, 2).map((stack) => startIde(stack.mcp.url, ws, { args })));
    defer(async () => {
      await Promise.all(ides.map((ide) => ide.close()));
    });
    for (const ide of ides) expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(AGENT.client_id);
    expect(signins(ws)).toHaveLength(1);
    expect(idp.counts.codeGrants).toBe(1);
    expect(idp.counts.idJagsIssued).toBe(2);
    // A third server, later: the kept sign-in at the identity provider is used, no browser.
    const third = await startIde(stacks[2]?.mcp.url ?? '', ws, { args });
    defer(() => third.close());
    expect(text(await third.client.callTool({ name: 'whoami', arguments: {} })), third.stderr()).toBe(AGENT.client_id);
    expect(signins(ws)).toHaveLength(1);
    expect(idp.counts.idJagsIssued).toBe(3);
    // That sign-in is kept in the keychain (one entry for the identity provider), not in a file.
    const kept = JSON.parse(identityProviderEntryValue(idp) ?? '{}') as SecretRecord;
    expect(kept.tokens?.id_token?.split('.')).toHaveLength(3);
    expect(filesContaining(ws.home, [kept.tokens?.id_token ?? 'missing', AGENT.client_secret])).toEqual([]);
    expect(keychainRecord(ws.home, stacks[0]?.mcp.url ?? '')?.tokens?.access_token).toBeDefined();

    // logout --all leaves nothing behind: the identity provider's sign-in goes with the servers'.
    await Promise.all([...ides, third].map((ide) => ide.close()));
    const out = await runCli(ws, ['logout', '--all']);
    expect(out.stdout).toContain('Signed out of 1 identity provider');
    expect(out.code).toBe(0);
    expect(identityProviderEntryValue(idp)).toBeUndefined();
  });
});
