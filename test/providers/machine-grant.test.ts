// The client credentials grant against every profile that offers it (not GitHub), set up as each provider documents:
// with a secret (and a new token at expiry), and with a key (private_key_jwt) where the provider takes one.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MACHINE_CLIENT_ID, MACHINE_PROFILES } from '../fixtures/profile-flows.js';
import { refusedCall, signins, startIde, text, workspace } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';

const { stackWith, defer } = perTest();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const ID = MACHINE_CLIENT_ID;
const SECRET = 'reporting-bot-secret-value';

/** A P-256 key: the private half in a file of the user's, the public half as the JWK registered at the provider. */
function clientKey(dir: string): { file: string; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = join(dir, 'client-key.pem');
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
  return { file, jwk: { ...publicKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256' } };
}

describe('--client-credentials against every provider profile that offers it', () => {
  for (const [profile, setup] of MACHINE_PROFILES) {
    it(`${profile}: a token with no browser, replaced when it expires`, async () => {
      const stack = await stackWith({
        profile,
        clientCredentials: true,
        clientAuthMethods: setup.authMethods,
        accessTokenTtl: 3,
        clients: [
          {
            client_id: ID,
            client_secret: SECRET,
            token_endpoint_auth_method: 'client_secret_basic',
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
            ...(setup.clientScope ? { scope: setup.clientScope } : {}),
          },
        ],
        ...setup.stack,
      });
      const ws = workspace({ BROWSER: '/bin/false' });
      const args = ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: ID, client_secret: SECRET }), ...setup.args(stack.mcp.url)];
      const ide = await startIde(stack.mcp.url, ws, { args });
      defer(() => ide.close());
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(ID);
      await sleep(3_500);
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(ID);
      expect(stack.as.counts.clientCredentialsGrants).toBeGreaterThanOrEqual(2);
      expect(stack.as.counts.authorizationRequests).toBe(0);
      expect(signins(ws)).toHaveLength(0);
      expect(ide.stderr()).not.toContain(SECRET);
    });
  }

  for (const [profile, setup] of MACHINE_PROFILES) {
    const takesKeys = setup.authMethods.includes('private_key_jwt');
    it(`${profile}: ${takesKeys ? 'a key instead of a secret (private_key_jwt)' : 'no private_key_jwt offered: a coded error, no request with the key'}`, async () => {
      const ws = workspace({ BROWSER: '/bin/false' });
      const key = clientKey(ws.home);
      const stack = await stackWith({
        profile,
        clientCredentials: true,
        clientAuthMethods: setup.authMethods,
        clients: [
          {
            client_id: ID,
            token_endpoint_auth_method: takesKeys ? 'private_key_jwt' : 'client_secret_basic',
            ...(takesKeys ? { token_endpoint_auth_signing_alg: 'ES256', jwks: { keys: [key.jwk] } } : { client_secret: SECRET }),
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
            ...(setup.clientScope ? { scope: setup.clientScope } : {}),
          },
        ],
        ...setup.stack,
      });
      const args = ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: ID }), '--client-private-key', key.file, ...setup.args(stack.mcp.url)];
      if (!takesKeys) {
        const { told } = await refusedCall(stack.mcp.url, ws, { args });
        expect(told).toContain('TETHER_AUTH_METHOD_NOT_OFFERED');
        expect(told).toContain('client_secret_basic, client_secret_post');
        expect(stack.as.counts.clientCredentialsGrants).toBe(0);
        return;
      }
      const ide = await startIde(stack.mcp.url, ws, { args });
      defer(() => ide.close());
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(ID);
      expect(stack.as.counts.clientCredentialsGrants).toBe(1);
      const body = new URLSearchParams(stack.as.credentialRequests.find((request) => request.path.endsWith('/token'))?.body ?? '');
      expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      expect(signins(ws)).toHaveLength(0);
    });
  }
});
