// The client credentials grant against every identity-provider profile that offers it, each configured as its
// documentation says a machine client is (the authorization code and refresh grants are in each profile's own file):
// a token with no browser, accepted by the MCP server, and a new one when it expires; with a secret, and with a key
// (private_key_jwt, RFC 7523 section 2.2) where the provider takes one. GitHub offers no such grant.
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StackOptions } from '../fixtures/stack.js';
import { COGNITO_CUSTOM_SCOPE, type ProfileName } from '../fixtures/provider-profiles.js';
import { refusedCall, signins, startIde, text, workspace } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';

const { stackWith, defer } = perTest();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const ID = 'reporting-bot';
const SECRET = 'reporting-bot-secret-value';

interface MachineSetup {
  /** What the administrator sets up at the provider (and the gateway, for Cognito). */
  stack?: Partial<StackOptions>;
  /** The client's allowed scope at the provider, where it has one. */
  clientScope?: string;
  /** What the user adds to mcp-tether's arguments, from the provider's documentation. */
  args: (mcpUrl: string) => string[];
  /** Token endpoint auth methods its metadata lists (the providers' own documents). */
  authMethods: string[];
}

const SETUPS: Record<Exclude<ProfileName, 'github'>, MachineSetup> = {
  default: { args: () => [], authMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'] },
  // An app client with a custom scope; the gateway lets its client id in (access tokens carry no aud). Secrets only.
  cognito: { stack: { allowedClients: [ID] }, clientScope: COGNITO_CUSTOM_SCOPE, args: () => ['--scope', COGNITO_CUSTOM_SCOPE], authMethods: ['client_secret_basic', 'client_secret_post'] },
  // A custom authorization server whose audience is the API.
  okta: { args: () => [], authMethods: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'] },
  // The app's own API: the scope names it, and v2 endpoints refuse `resource`. A certificate is a private_key_jwt key.
  entra: { args: (url) => ['--scope', `${url}/.default`, '--disable-resource-parameter'], authMethods: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'] },
  // The API is chosen with `audience`, which a machine client sends on the token request.
  auth0: { args: (url) => ['--authorize-param', `audience=${url}`], authMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] },
  // A confidential client with service accounts enabled; the audience mapper names the API.
  keycloak: { args: () => [], authMethods: ['private_key_jwt', 'client_secret_basic', 'client_secret_post', 'client_secret_jwt'] },
};

/** A P-256 key: the private half in a file of the user's, the public half as the JWK registered at the provider. */
function clientKey(dir: string): { file: string; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = join(dir, 'client-key.pem');
  writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
  return { file, jwk: { ...publicKey.export({ format: 'jwk' }), use: 'sig', alg: 'ES256' } };
}

describe('--client-credentials against every provider profile that offers it', () => {
  for (const [profile, setup] of Object.entries(SETUPS) as Array<[Exclude<ProfileName, 'github'>, MachineSetup]>) {
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

  for (const [profile, setup] of Object.entries(SETUPS) as Array<[Exclude<ProfileName, 'github'>, MachineSetup]>) {
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
