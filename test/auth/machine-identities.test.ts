// Machine identities on real components (oidc-provider, the CLI spawned as an IDE spawns it): a client that
// authenticates with a signed JWT instead of a secret (--client-private-key, private_key_jwt, RFC 7523 section 2.2),
// and a workload that signs in with its platform's identity token (--jwt-bearer-assertion, RFC 7523 section 2.1).
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refusedCall, signins, startIde, text, workspace, type Workspace } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';
import { allFiles } from '../helpers/secrets.js';

const { stackWith, defer } = perTest();

const CLIENT_ID = 'signing-bot';

/** A P-256 key pair: the private half as the PEM file a user keeps, the public half as the JWK the provider knows. */
function keyPair(ws: Workspace, name: string): { file: string; pem: string; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const file = join(ws.home, name);
  writeFileSync(file, pem, { mode: 0o600 });
  return { file, pem, jwk: { ...publicKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256' } };
}

function signingClient(jwk: Record<string, unknown>): Record<string, unknown> {
  return {
    client_id: CLIENT_ID,
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [jwk] },
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  };
}

const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'];

describe('--client-private-key with --client-credentials', () => {
  it('gets a token with a signed assertion, no secret and no browser; the key never leaves its file', async () => {
    const ws = workspace();
    const key = keyPair(ws, 'client-key.pem');
    const stack = await stackWith({ clientCredentials: true, clientAuthMethods: AUTH_METHODS, clients: [signingClient(key.jwk)] });
    const args = ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: CLIENT_ID }), '--client-private-key', key.file, '--debug'];
    const ide = await startIde(stack.mcp.url, ws, { args });
    defer(() => ide.close());
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(CLIENT_ID);
    expect(stack.as.counts.clientCredentialsGrants).toBe(1);
    expect(signins(ws)).toHaveLength(0);
    const tokenRequest = stack.as.credentialRequests.find((request) => request.path.endsWith('/token'));
    const body = new URLSearchParams(tokenRequest?.body ?? '');
    expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(body.get('client_assertion')?.split('.')).toHaveLength(3);
    expect(body.has('client_secret')).toBe(false);
    expect(tokenRequest?.authorization).toBe('');
    // The private key is in its own file only: not on stderr (--debug), not in anything mcp-tether wrote.
    const keyBody = key.pem.split('\n')[1] ?? '';
    expect(ide.stderr()).not.toContain(keyBody);
    await ide.close();
    const written = allFiles(ws.home).filter((file) => file !== key.file);
    for (const file of written) expect(readFileSync(file, 'utf8'), file).not.toContain(keyBody);
  });

  it('with a key the provider does not know: the IDE is told invalid_client, coded, with the client and the fix', async () => {
    const ws = workspace();
    const registered = keyPair(ws, 'registered.pem');
    const other = keyPair(ws, 'other.pem');
    const stack = await stackWith({ clientCredentials: true, clientAuthMethods: AUTH_METHODS, clients: [signingClient(registered.jwk)] });
    const args = ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: CLIENT_ID }), '--client-private-key', other.file];
    const failure = await startIde(stack.mcp.url, ws, { args }).then(
      async (ide) => {
        await ide.close();
        return 'connected';
      },
      (error: unknown) => String(error),
    );
    expect(failure).toContain('invalid_client');
    expect(failure).toContain('TETHER_CLIENT_REJECTED');
    expect(failure).toContain('public half of --client-private-key');
    expect(stack.as.counts.clientCredentialsGrants).toBe(0);
    expect(signins(ws)).toHaveLength(0);
  });
});

describe('--jwt-bearer-assertion (workload identity)', () => {
  const WORKLOAD = 'ci-workload';
  const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
  const workloadClient = { client_id: WORKLOAD, token_endpoint_auth_method: 'none', grant_types: [JWT_BEARER], response_types: [], redirect_uris: [] };
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const assertionsSent = (requests: Array<{ path: string; body: string }>): string[] =>
    requests.filter((request) => request.path.endsWith('/token')).map((request) => new URLSearchParams(request.body).get('assertion') ?? '');

  it('exchanges the token the platform writes to a file, and reads the file again for the next token (platforms rotate it)', async () => {
    const stack = await stackWith({ workloadIdentity: true, clients: [workloadClient], accessTokenTtl: 3 });
    const ws = workspace();
    const tokenFile = join(ws.home, 'workload-token');
    const first = await stack.as.workloadToken({ sub: 'system:serviceaccount:ci:runner' });
    writeFileSync(tokenFile, `${first}\n`);
    const args = ['--static-oauth-client-info', JSON.stringify({ client_id: WORKLOAD }), '--jwt-bearer-assertion', tokenFile, '--debug'];
    const ide = await startIde(stack.mcp.url, ws, { args });
    defer(() => ide.close());
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(WORKLOAD);
    // one grant, or two where a loaded machine took longer than the 3 s token to answer the first call
    const before = stack.as.counts.jwtBearerGrants;
    expect(before).toBeGreaterThanOrEqual(1);
    expect(before).toBeLessThanOrEqual(2); // not a token request for every call

    const rotated = await stack.as.workloadToken({ sub: 'system:serviceaccount:ci:runner' });
    writeFileSync(tokenFile, rotated);
    await sleep(3_500); // the access token expires: the next call needs a new one
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(WORKLOAD);
    expect(stack.as.counts.jwtBearerGrants).toBeGreaterThan(before);
    const sent = assertionsSent(stack.as.credentialRequests);
    expect(sent.slice(0, before)).toEqual(Array(before).fill(first));
    expect(sent.slice(before)).toEqual(Array(sent.length - before).fill(rotated));
    expect(signins(ws)).toHaveLength(0);
    expect(stack.as.counts.authorizationRequests).toBe(0);
    // The platform's token is a credential: never on stderr, --debug included.
    expect(ide.stderr()).not.toContain(first.split('.')[2]);
    expect(ide.stderr()).not.toContain(rotated.split('.')[2]);
  });

  it('from env:NAME; an expired platform token is refused once with the provider\'s invalid_grant, coded, not retried', async () => {
    const stack = await stackWith({ workloadIdentity: true, clients: [workloadClient] });
    const ws = workspace();
    const expired = await stack.as.workloadToken({ sub: 'runner', expiresInSeconds: -60 });
    const args = ['--static-oauth-client-info', JSON.stringify({ client_id: WORKLOAD }), '--jwt-bearer-assertion', 'env:WORKLOAD_TOKEN'];
    const failure = await startIde(stack.mcp.url, ws, { args, env: { WORKLOAD_TOKEN: expired } }).then(
      async (ide) => {
        await ide.close();
        return 'connected';
      },
      (error: unknown) => String(error),
    );
    expect(failure).toContain('invalid_grant');
    expect(failure).toMatch(/\[TETHER_[A-Z_]+\]/);
    expect(assertionsSent(stack.as.credentialRequests)).toEqual([expired]);
    expect(stack.as.counts.jwtBearerGrants).toBe(0);

    const valid = await stack.as.workloadToken({ sub: 'runner' });
    const ide = await startIde(stack.mcp.url, ws, { args, env: { WORKLOAD_TOKEN: valid } });
    defer(() => ide.close());
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe(WORKLOAD);
  });

  it('with no token where it points: TETHER_ASSERTION_UNAVAILABLE naming the place, and nothing is sent', async () => {
    const stack = await stackWith({ workloadIdentity: true, clients: [workloadClient] });
    const ws = workspace();
    const missing = join(ws.home, 'not-written-yet');
    const args = ['--static-oauth-client-info', JSON.stringify({ client_id: WORKLOAD }), '--jwt-bearer-assertion', missing];
    const failure = await startIde(stack.mcp.url, ws, { args }).then(
      async (ide) => {
        await ide.close();
        return 'connected';
      },
      (error: unknown) => String(error),
    );
    expect(failure).toContain('TETHER_ASSERTION_UNAVAILABLE');
    expect(failure).toContain(missing);
    expect(assertionsSent(stack.as.credentialRequests)).toEqual([]);
  });
});

describe('--client-assertion (Entra ID federated credentials)', () => {
  const APP = '5d1c0b7e-app-registration';
  const SUBJECT = 'repo:acme/tools:ref:refs/heads/main';
  const EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
  const app = { client_id: APP, client_secret: 'a-secret-mcp-tether-never-sees', token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };

  it('authenticates the app with the platform\'s JWT instead of a secret, reading the file again after the platform rotates it', async () => {
    const stack = await stackWith({ profile: 'entra', clientCredentials: true, accessTokenTtl: 3, clients: [app], federatedCredential: { clientId: APP, subject: SUBJECT } });
    const ws = workspace();
    const file = join(ws.home, 'azure-identity-token');
    const first = await stack.as.workloadToken({ sub: SUBJECT, audience: EXCHANGE_AUDIENCE });
    writeFileSync(file, first, { mode: 0o600 });
    const args = ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: APP }), '--client-assertion', file, '--scope', `${stack.mcp.url}/.default`, '--disable-resource-parameter'];
    const ide = await startIde(stack.mcp.url, ws, { args });
    defer(() => ide.close());
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(APP);
    const second = await stack.as.workloadToken({ sub: SUBJECT, audience: EXCHANGE_AUDIENCE, expiresInSeconds: 600 });
    writeFileSync(file, second, { mode: 0o600 });
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(APP);
    expect(stack.as.counts.federatedAssertions).toBe(2);
    const sent = stack.as.credentialRequests.filter((request) => request.path.endsWith('/token')).map((request) => new URLSearchParams(request.body));
    expect(sent.map((body) => body.get('client_assertion'))).toEqual([first, second]);
    expect(sent.every((body) => !body.has('client_secret') && body.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')).toBe(true);
    expect(signins(ws)).toHaveLength(0);
    expect(ide.stderr()).not.toContain(first);
  });

  it('a JWT for another subject is refused, and the IDE is told to check the federated credential', async () => {
    const stack = await stackWith({ profile: 'entra', clientCredentials: true, clients: [app], federatedCredential: { clientId: APP, subject: SUBJECT } });
    const ws = workspace();
    const file = join(ws.home, 'azure-identity-token');
    writeFileSync(file, await stack.as.workloadToken({ sub: 'repo:someone/else:ref:refs/heads/main', audience: EXCHANGE_AUDIENCE }), { mode: 0o600 });
    const args = ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: APP }), '--client-assertion', file, '--scope', `${stack.mcp.url}/.default`, '--disable-resource-parameter'];
    const { told, stderr } = await refusedCall(stack.mcp.url, ws, { args });
    expect(told).toContain('AADSTS700213');
    expect(told + stderr).toContain('federated credential');
    expect(stack.as.counts.federatedAssertions).toBe(0);
  });
});
